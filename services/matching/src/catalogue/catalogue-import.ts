import { Injectable } from '@nestjs/common';
import { COOPERATION_MODES, isKnownRegionCode, SUPPLY_KINDS, TECHNICAL_FIELDS, type CooperationMode, type SupplyKind } from '@tt/contracts';
import { invalid, readSpreadsheet, spreadsheetFormatOf, spreadsheetProblem, type ReadSheet } from '@tt/platform';
import { CatalogueService, checked, type SupplyContent } from './catalogue.service';

/** The columns of a catalogue sheet (资源库导入表): Chinese headers; codes or their labels in the two lists. */
export const CATALOGUE_COLUMNS = {
  id: '编号',
  kind: '资源类型',
  name: '名称',
  organisation: '所属机构',
  summary: '简介',
  technicalField: '技术领域',
  keywords: '关键词',
  regionCode: '所在地区代码',
  trl: '技术就绪度',
  serviceArea: '服务范围（地区代码）',
  cooperationModes: '合作方式',
  details: '详细信息（JSON）',
} as const;
const MAX_ROWS = 2_000;
const SEPARATORS = /[、，,;；\n]+/;

export interface CatalogueImportRow {
  row: number;
  outcome: 'created' | 'revised' | 'unchanged' | 'invalid';
  id?: string;
  problems?: { field: string; problem: string }[];
}

/**
 * Imports a catalogue sheet (XLSX or CSV) at once: each row is listed, revised or left as it is,
 * found by its 编号 or else by kind, name and organisation; a row with problems changes nothing; the
 * same sheet imported again changes nothing. Each change is the same event as through the API.
 */
@Injectable()
export class CatalogueImportService {
  constructor(private readonly catalogue: CatalogueService) {}

  async import(file: { originalname: string; buffer: Buffer } | undefined, admin: { subject: string }) {
    if (!file) throw invalid([{ pointer: 'body.file', reason: 'send the sheet as multipart/form-data in a field named file' }]);
    const format = spreadsheetFormatOf(file.originalname, file.buffer);
    if (!format) throw invalid([{ pointer: 'body.file', reason: 'the file must be an .xlsx workbook or a .csv (UTF-8) file' }]);
    let sheet: ReadSheet;
    try {
      // The row limit applies while reading: a sheet of a million rows stops at row 2,001.
      sheet = await readSpreadsheet(file.buffer, format, CATALOGUE_COLUMNS.name, { maxRows: MAX_ROWS });
    } catch (error) {
      throw spreadsheetProblem(error, 'body.file', (message) => `not a catalogue sheet: ${message}`);
    }
    const rows: CatalogueImportRow[] = [];
    for (const { rowNumber, values, unsafe } of sheet.rows) {
      // Text with control characters is refused here as the JSON API refuses it.
      if (unsafe) rows.push({ row: rowNumber, outcome: 'invalid', problems: unsafe.map((field) => ({ field, problem: 'control characters (such as NUL or escape sequences) are not allowed in text' })) });
      else rows.push(await this.importRow(rowNumber, values, admin));
    }
    const count = (outcome: CatalogueImportRow['outcome']) => rows.filter((r) => r.outcome === outcome).length;
    return { total: rows.length, created: count('created'), revised: count('revised'), unchanged: count('unchanged'), invalid: count('invalid'), rows };
  }

  private async importRow(row: number, values: Record<string, string>, admin: { subject: string }): Promise<CatalogueImportRow> {
    const problems: { field: string; problem: string }[] = [];
    const cell = (key: keyof typeof CATALOGUE_COLUMNS) => values[CATALOGUE_COLUMNS[key]];
    const fromList = (key: 'kind' | 'technicalField', list: Record<string, string>) => {
      const raw = cell(key);
      const code = Object.entries(list).find(([c, label]) => raw === c || raw === label)?.[0];
      if (raw !== undefined && !code) problems.push({ field: CATALOGUE_COLUMNS[key], problem: `“${raw}”不是可选值之一：${Object.values(list).join('、')}` });
      return code;
    };
    let details: Record<string, unknown> | undefined;
    if (cell('details')) {
      try {
        details = JSON.parse(cell('details')!);
      } catch {
        problems.push({ field: CATALOGUE_COLUMNS.details, problem: 'not valid JSON' });
      }
    }
    if (cell('regionCode') && /^\d{6}$/.test(cell('regionCode')!) && !isKnownRegionCode(cell('regionCode')!))
      problems.push({ field: CATALOGUE_COLUMNS.regionCode, problem: `${cell('regionCode')} is not in the GB/T 2260 list of administrative divisions` });
    const trl = cell('trl') === undefined ? undefined : Number(cell('trl'));
    const serviceArea = cell('serviceArea')?.split(SEPARATORS).map((c) => c.trim()).filter(Boolean);
    for (const code of serviceArea ?? []) {
      if (!isKnownRegionCode(code)) problems.push({ field: CATALOGUE_COLUMNS.serviceArea, problem: `${code} is not in the GB/T 2260 list of administrative divisions` });
    }
    const cooperationModes = cell('cooperationModes')
      ?.split(SEPARATORS)
      .map((m) => m.trim())
      .filter(Boolean)
      .map((m) => {
        const code = Object.entries(COOPERATION_MODES).find(([c, label]) => m === c || m === label)?.[0] as CooperationMode | undefined;
        if (!code) problems.push({ field: CATALOGUE_COLUMNS.cooperationModes, problem: `“${m}”不是可选值之一：${Object.values(COOPERATION_MODES).join('、')}` });
        return code;
      })
      .filter((m): m is CooperationMode => m !== undefined);
    const content = Object.fromEntries(
      Object.entries({
        kind: fromList('kind', SUPPLY_KINDS) as SupplyKind,
        name: cell('name'),
        organisation: cell('organisation'),
        summary: cell('summary'),
        technicalField: fromList('technicalField', TECHNICAL_FIELDS),
        keywords: cell('keywords')?.split(SEPARATORS).map((k) => k.trim()).filter(Boolean),
        regionCode: cell('regionCode'),
        trl,
        serviceArea,
        cooperationModes,
        details,
      }).filter(([, v]) => v !== undefined),
    ) as SupplyContent;
    if (problems.length > 0) return { row, outcome: 'invalid', problems };
    try {
      checked('ach-00000000', content); // the item's own rules (id aside), as the API checks them
      const id = cell('id') ?? (await this.catalogue.findByNaturalKey(content.kind, content.name, content.organisation));
      if (!id) return { row, outcome: 'created', id: (await this.catalogue.create(content, admin)).id };
      const current = await this.catalogue.get(id);
      if (current.kind !== content.kind) return { row, outcome: 'invalid', problems: [{ field: CATALOGUE_COLUMNS.kind, problem: `${id} is a ${current.kind}: an item’s kind cannot change` }] };
      const { kind: _kind, ...changes } = content;
      try {
        await this.catalogue.revise(id, changes, admin, current.revision);
        return { row, outcome: 'revised', id };
      } catch (error) {
        if (isNothingToChange(error)) return { row, outcome: 'unchanged', id };
        throw error;
      }
    } catch (error) {
      const reported = problemsOf(error);
      if (!reported) throw error;
      return { row, outcome: 'invalid', problems: reported };
    }
  }
}

const FIELD_OF_POINTER: Record<string, string> = Object.fromEntries(Object.entries(CATALOGUE_COLUMNS).map(([k, v]) => [`/${k}`, v]));

/** The problems of a 400/404/409 from the catalogue, by column; undefined for anything else (a real failure). */
function problemsOf(error: unknown): { field: string; problem: string }[] | undefined {
  const response = (error as { getResponse?: () => unknown; getStatus?: () => number }).getResponse?.() as { errors?: { pointer: string; reason: string }[]; detail?: string } | undefined;
  const status = (error as { getStatus?: () => number }).getStatus?.();
  if (!response || !status || status >= 500) return undefined;
  if (response.errors?.length) return response.errors.map((e) => ({ field: FIELD_OF_POINTER[`/${e.pointer.split('/')[1]}`] ?? e.pointer, problem: e.reason }));
  return [{ field: CATALOGUE_COLUMNS.id, problem: response.detail ?? `refused (${status})` }];
}

function isNothingToChange(error: unknown): boolean {
  const response = (error as { getResponse?: () => unknown }).getResponse?.() as { errors?: { reason: string }[] } | undefined;
  return response?.errors?.[0]?.reason === 'the revision changes nothing';
}
