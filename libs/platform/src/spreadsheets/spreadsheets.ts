import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

/**
 * Reading the spreadsheets brokers and admins upload (XLSX or CSV, as Excel and WPS save them) and
 * writing the ones the platform hands back (templates, reports, exports), in one place.
 */

export type SpreadsheetFormat = 'xlsx' | 'csv';

export interface SheetRow {
  /** The row number the user sees in Excel (the header row is 1 in a CSV). */
  rowNumber: number;
  /** Cell text by column header, trimmed; empty cells absent. */
  values: Record<string, string>;
}

export interface ReadSheet {
  headers: string[];
  rows: SheetRow[];
}

/** The format an upload claims by its name (and, for XLSX, its ZIP signature). */
export function spreadsheetFormatOf(filename: string, bytes: Buffer): SpreadsheetFormat | undefined {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.xlsx') && bytes.subarray(0, 2).toString('latin1') === 'PK') return 'xlsx';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

/**
 * The first sheet's rows under the header row: the first of the first ten rows that contains
 * `headerMarker` (so a title row above the headers is skipped). Blank rows are left out.
 */
export async function readSpreadsheet(bytes: Buffer, format: SpreadsheetFormat, headerMarker: string): Promise<ReadSheet> {
  const grid = format === 'csv' ? readCsvGrid(bytes) : await readXlsxGrid(bytes);
  // A header may carry the template's required mark (需求名称*).
  const header = (cell: string) => cell.replace(/[*＊]$/, '').trim();
  const headerIndex = grid.slice(0, 10).findIndex((row) => row.some((cell) => header(cell) === headerMarker));
  if (headerIndex < 0) throw new Error(`no header row with “${headerMarker}” in the first ten rows`);
  const headers = grid[headerIndex].map(header);
  const rows: SheetRow[] = [];
  for (let i = headerIndex + 1; i < grid.length; i++) {
    const values: Record<string, string> = {};
    grid[i].forEach((cell, c) => {
      if (headers[c] && cell !== '') values[headers[c]] = cell;
    });
    if (Object.keys(values).length > 0) rows.push({ rowNumber: i + 1, values });
  }
  return { headers: headers.filter(Boolean), rows };
}

function readCsvGrid(bytes: Buffer): string[][] {
  const records = parse(bytes, { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][];
  return records.map((r) => r.map((cell) => cell.trim()));
}

async function readXlsxGrid(bytes: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) return [];
  const grid: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value);
    });
    grid[rowNumber - 1] = Array.from(cells, (c) => c ?? '');
  });
  return Array.from(grid, (r) => r ?? []);
}

/** What a cell shows, as text: numbers without float noise, dates as YYYY-MM-DD, rich text joined. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number') return String(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((t) => t.text).join('').trim();
    if ('text' in value) return String(value.text).trim();
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    return '';
  }
  return String(value).trim();
}

export interface SheetSpec {
  name: string;
  columns: { header: string; key: string; width?: number; numFmt?: string }[];
  rows: Record<string, unknown>[];
  /** A drop-down list per column key (Excel data validation), for templates. */
  lists?: Record<string, string[]>;
}

/**
 * OWASP's CSV-injection rule: a text cell that begins with =, +, -, @, a tab or a carriage return is
 * read as a formula by spreadsheet programs (a park id `-2-3`, a name `=HYPERLINK(…)`), so it gets a
 * leading apostrophe and is shown as the text it is. Numbers stay numbers.
 */
export function neutraliseCell<T>(value: T): T | string {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** An XLSX workbook of the given sheets: bold, frozen header row; column formats as given; text cells neutralised. */
export async function writeXlsx(sheets: SheetSpec[], meta: { subject?: string } = {}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'techtransfer';
  if (meta.subject) workbook.subject = meta.subject;
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name.slice(0, 31));
    sheet.columns = spec.columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? Math.max(12, c.header.length * 2 + 2), style: c.numFmt ? { numFmt: c.numFmt } : {} }));
    sheet.getRow(1).font = { bold: true };
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
    for (const row of spec.rows) sheet.addRow(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, neutraliseCell(v)])));
    for (const [key, values] of Object.entries(spec.lists ?? {})) {
      const column = sheet.getColumn(key);
      // Excel caps an inline list at 255 characters; longer lists are documented in the guide sheet instead.
      const formula = `"${values.join(',')}"`;
      if (formula.length > 255) continue;
      for (let r = 2; r <= 1001; r++) sheet.getCell(r, column.number).dataValidation = { type: 'list', allowBlank: true, formulae: [formula] };
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
