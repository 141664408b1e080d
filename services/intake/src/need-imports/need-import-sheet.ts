import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { CreateEnterpriseDto } from '../enterprises/enterprise.dto';
import { CreateNeedDto } from '../needs/need.dto';
import { needRuleProblems, type NeedRuleFields } from '../needs/need-fields';
import { COLUMNS, listLabels, type Column, type ColumnKey } from './need-import-columns';

/**
 * The 需求征集表 (need collection form) brokers fill in after a day of visits: one row per need, with
 * its enterprise. How a row becomes the same requests the API takes, checked with the same validators;
 * the columns and the values they allow (a code or its Chinese label) are in need-import-columns.ts.
 */

// Re-exported: importers read the columns and the template from the sheet, as they always have.
export { COLUMNS, CONFIDENTIALITY_LABELS, HEADER_MARKER, templateSpec } from './need-import-columns';

/** Which column a request field comes from, so a validator's complaint names the column the broker filled. */
const COLUMN_OF_FIELD: Record<string, ColumnKey> = {
  name: 'enterpriseName',
  creditCode: 'creditCode',
  regionCode: 'regionCode',
  industryCode: 'industryCode',
  qualifications: 'qualifications',
  title: 'title',
  description: 'description',
  category: 'category',
  technicalField: 'technicalField',
  keywords: 'keywords',
  budgetMinFen: 'budgetMin',
  budgetMaxFen: 'budgetMax',
  cooperationModes: 'cooperationModes',
  confidentiality: 'confidentiality',
  supplyKinds: 'supplyKinds',
  minTrl: 'minTrl',
  neededWithinMonths: 'neededWithinMonths',
  preferredRegionCodes: 'preferredRegionCodes',
  excludedRegionCodes: 'excludedRegionCodes',
  hardConstraints: 'hardConstraints',
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  'contact.email': 'contactEmail',
};

export interface RowProblem {
  /** The column header, as in the template */
  field: string;
  problem: string;
}

export type ParsedRow = { ok: true; enterprise: CreateEnterpriseDto; need: Omit<CreateNeedDto, 'enterpriseId'> } | { ok: false; problems: RowProblem[] };

const SEPARATORS = /[、，,;；\n]+/;
/** 1 万元 = 10 000 元 = 1 000 000 分 */
const FEN_PER_WAN = 1_000_000;
const PLACEHOLDER_ENTERPRISE_ID = '00000000-0000-4000-8000-000000000000';

/** One row of the form, as the two API requests it stands for, or every problem found in it. */
export function parseRow(values: Record<string, string>): ParsedRow {
  const problems: RowProblem[] = [];
  const cell = (key: ColumnKey) => values[COLUMNS[key].header];
  for (const [key, column] of Object.entries(COLUMNS) as [ColumnKey, Column][]) {
    if (column.required && !cell(key)) problems.push({ field: column.header, problem: '必填项为空 (required)' });
  }
  const code = (key: ColumnKey): string | undefined => {
    const raw = cell(key);
    const { vocabulary, header } = COLUMNS[key] as Column;
    if (raw === undefined || !vocabulary) return raw;
    const found = Object.entries(vocabulary).find(([c, label]) => raw === c || raw === label)?.[0];
    if (!found) problems.push({ field: header, problem: `“${raw}”不是可选值之一：${listLabels(vocabulary)}` });
    return found;
  };
  const codes = (key: ColumnKey): string[] | undefined => {
    const raw = cell(key);
    const { vocabulary, header } = COLUMNS[key] as Column;
    if (raw === undefined) return undefined;
    const parts = raw.split(SEPARATORS).map((p) => p.trim()).filter(Boolean);
    if (!vocabulary) return parts;
    const found: string[] = [];
    for (const part of parts) {
      const c = Object.entries(vocabulary).find(([k, label]) => part === k || part === label)?.[0];
      if (c) found.push(c);
      else problems.push({ field: header, problem: `“${part}”不是可选值之一：${listLabels(vocabulary)}` });
    }
    return [...new Set(found)];
  };
  const integer = (key: ColumnKey): number | undefined => {
    const raw = cell(key);
    if (raw === undefined) return undefined;
    if (!/^\d{1,6}$/.test(raw)) {
      problems.push({ field: COLUMNS[key].header, problem: `“${raw}”不是整数` });
      return undefined;
    }
    return Number(raw); // the range is the API's validator's to check
  };
  const distinct = (parts: string[] | undefined) => (parts === undefined ? undefined : [...new Set(parts)]);
  const wan = (key: ColumnKey): number | undefined => {
    const raw = cell(key);
    if (raw === undefined) return undefined;
    const n = Number(raw.replace(/,/g, ''));
    if (!/^\d+(\.\d{1,2})?$/.test(raw.replace(/,/g, '')) || !Number.isFinite(n)) {
      problems.push({ field: COLUMNS[key].header, problem: `“${raw}”不是以万元为单位的非负数（最多两位小数）` });
      return undefined;
    }
    return Math.round(n * FEN_PER_WAN);
  };

  const enterprise = plainToInstance(CreateEnterpriseDto, defined({
    name: cell('enterpriseName'),
    creditCode: cell('creditCode')?.toUpperCase(),
    regionCode: cell('regionCode'),
    industryCode: cell('industryCode'),
    qualifications: codes('qualifications'),
  }));
  const need = plainToInstance(CreateNeedDto, defined({
    enterpriseId: PLACEHOLDER_ENTERPRISE_ID,
    title: cell('title'),
    description: cell('description'),
    category: code('category'),
    technicalField: code('technicalField'),
    keywords: codes('keywords'),
    budgetMinFen: wan('budgetMin'),
    budgetMaxFen: wan('budgetMax'),
    cooperationModes: codes('cooperationModes'),
    confidentiality: code('confidentiality'),
    supplyKinds: codes('supplyKinds'),
    minTrl: integer('minTrl'),
    neededWithinMonths: integer('neededWithinMonths'),
    preferredRegionCodes: distinct(codes('preferredRegionCodes')),
    excludedRegionCodes: distinct(codes('excludedRegionCodes')),
    hardConstraints: codes('hardConstraints'),
    contact: defined({ name: cell('contactName'), phone: cell('contactPhone'), email: cell('contactEmail') }),
  }));
  const reported = new Set(problems.map((p) => p.field));
  for (const error of [...validateSync(enterprise, { whitelist: true, forbidNonWhitelisted: true }), ...validateSync(need, { whitelist: true, forbidNonWhitelisted: true })]) {
    for (const { path, message } of flatten(error)) {
      const column = COLUMN_OF_FIELD[path] ?? COLUMN_OF_FIELD[path.split('.')[0]];
      const field = column ? COLUMNS[column].header : path;
      if (!reported.has(field)) problems.push({ field, problem: message }); // one complaint per column: the first
      reported.add(field);
    }
  }
  // The rules between fields, as the API applies them; the enterprise's qualifications are checked once
  // the job knows which enterprise the row is for (see needRowRuleProblems).
  for (const problem of needRowRuleProblems(need, undefined)) {
    if (!reported.has(problem.field)) problems.push(problem);
    reported.add(problem.field);
  }
  if (problems.length > 0) return { ok: false, problems };
  const { enterpriseId: _placeholder, ...needFields } = need;
  return { ok: true, enterprise, need: needFields };
}

/** Which column each cross-field rule's field is filled in. */
const COLUMN_OF_RULE_FIELD: Record<keyof NeedRuleFields, ColumnKey> = {
  budgetMinFen: 'budgetMin',
  budgetMaxFen: 'budgetMax',
  minTrl: 'minTrl',
  neededWithinMonths: 'neededWithinMonths',
  preferredRegionCodes: 'preferredRegionCodes',
  excludedRegionCodes: 'excludedRegionCodes',
  hardConstraints: 'hardConstraints',
};

/**
 * The API's rules between a need's fields (needs/need-fields.ts), as problems of the row's columns.
 * `enterpriseQualifications`: those of the enterprise the row's need would belong to (the park's record,
 * or the row's own when the enterprise is new); undefined leaves the eligibility rule unchecked.
 */
export function needRowRuleProblems(need: NeedRuleFields, enterpriseQualifications: readonly string[] | undefined): RowProblem[] {
  return needRuleProblems(need, enterpriseQualifications).map((p) => ({ field: COLUMNS[COLUMN_OF_RULE_FIELD[p.field]].header, problem: `${p.zh} (${p.reason})` }));
}

function flatten(error: ValidationError, prefix = ''): { path: string; message: string }[] {
  const path = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).slice(0, 1).map((message) => ({ path, message }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, path))];
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
