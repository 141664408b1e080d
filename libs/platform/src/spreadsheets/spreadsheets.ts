import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CONTROL_CHARACTERS } from '../http/request-hygiene';
import { invalid, tooLarge } from '../http/problem';
import { xlsxFirstSheetRows } from './xlsx-first-sheet';
import { DEFAULT_ZIP_LIMITS, inspectZip, type ZipLimits } from './zip-inspection';

/**
 * Reading the spreadsheets brokers and admins upload (XLSX or CSV, as Excel and WPS save them) and
 * writing the ones the platform hands back (templates, reports, exports), in one place.
 *
 * Uploads are hostile until read: an XLSX's declared sizes are checked before anything inflates
 * (zip-inspection.ts); rows are then streamed, with the row and cell limits applied while reading
 * (a sheet of a million rows stops at the first row past the limit), yielding to the event loop
 * every few hundred rows so the service keeps answering; and a cell with control characters (NUL,
 * ANSI escapes) is kept out of the row, named in `unsafe`, as the JSON API refuses the same text.
 */

export type SpreadsheetFormat = 'xlsx' | 'csv';

export interface SheetRow {
  /** The row number the user sees in Excel (the header row is 1 in a CSV). */
  rowNumber: number;
  /** Cell text by column header, trimmed; empty cells absent. */
  values: Record<string, string>;
  /** Headers of the cells left out because they hold control characters (the row should be refused). */
  unsafe?: string[];
}

export interface ReadSheet {
  headers: string[];
  rows: SheetRow[];
}

export interface ReadLimits {
  /** Data rows under the header: one more and reading stops with a SpreadsheetRefused. */
  maxRows: number;
  /** Characters in one cell. */
  maxCellChars: number;
  zip: ZipLimits;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxRows: 5_000, maxCellChars: 5_000, zip: DEFAULT_ZIP_LIMITS };

/** An upload refused for what it is (too big, a bomb, too many rows, a giant cell): `tooLarge` → 413, else 400. */
export class SpreadsheetRefused extends Error {
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/** The problem an upload's refusal answers with: 413 for its size, 400 for what it is. */
export function spreadsheetProblem(error: unknown, pointer: string, explain: (message: string) => string) {
  const message = (error as Error).message;
  return error instanceof SpreadsheetRefused && error.tooLarge ? tooLarge([{ pointer, reason: message }]) : invalid([{ pointer, reason: explain(message) }]);
}

/** How many rows are read between two yields to the event loop. */
const ROWS_PER_YIELD = 200;

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
export async function readSpreadsheet(bytes: Buffer, format: SpreadsheetFormat, headerMarker: string, limits: Partial<ReadLimits> = {}): Promise<ReadSheet> {
  const bounds = { ...DEFAULT_READ_LIMITS, ...limits };
  if (format === 'xlsx') {
    // What the workbook would inflate to, from its ZIP directory, before anything inflates.
    const verdict = inspectZip(bytes, bounds.zip);
    if (!verdict.ok) throw new SpreadsheetRefused(verdict.reason, verdict.tooLarge);
  }
  // A header may carry the template's required mark (需求名称*).
  const header = (cell: string) => cell.replace(/[*＊]$/, '').trim();
  let headers: string[] | undefined;
  const rows: SheetRow[] = [];
  let seen = 0;
  for await (const { rowNumber, cells } of format === 'csv' ? csvRows(bytes) : xlsxRows(bytes)) {
    if (++seen % ROWS_PER_YIELD === 0) await yieldToEventLoop();
    for (const cell of cells) {
      if (cell.length > bounds.maxCellChars) throw new SpreadsheetRefused(`row ${rowNumber} has a cell of ${cell.length} characters (at most ${bounds.maxCellChars})`, true);
    }
    if (!headers) {
      if (cells.some((cell) => header(cell) === headerMarker)) headers = cells.map(header);
      else if (rowNumber >= 10) break;
      continue;
    }
    const values: Record<string, string> = {};
    const unsafe: string[] = [];
    cells.forEach((cell, c) => {
      const name = headers![c];
      if (!name || cell === '') return;
      if (CONTROL_CHARACTERS.test(cell)) unsafe.push(name);
      else values[name] = cell;
    });
    if (Object.keys(values).length === 0 && unsafe.length === 0) continue;
    rows.push({ rowNumber, values, ...(unsafe.length ? { unsafe } : {}) });
    if (rows.length > bounds.maxRows) throw new SpreadsheetRefused(`more than ${bounds.maxRows} rows`, true);
  }
  if (!headers) throw new Error(`no header row with “${headerMarker}” in the first ten rows`);
  return { headers: headers.filter(Boolean), rows };
}

async function* csvRows(bytes: Buffer): AsyncGenerator<{ rowNumber: number; cells: string[] }> {
  // Fed in pieces cut at line ends: the parser turns each piece into rows at once, so one piece is
  // the longest the event loop waits (a whole megabyte at once held it for a fifth of a second).
  const parser = Readable.from(linePieces(bytes, 16 * 1024)).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false }));
  let rowNumber = 0;
  for await (const record of parser as AsyncIterable<string[]>) yield { rowNumber: ++rowNumber, cells: record.map((cell) => cell.trim()) };
}

/** The bytes in pieces of about `size`, each ending at a line end (so no character or row is cut). */
function* linePieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + size);
    if (end < bytes.length) {
      const newline = bytes.indexOf(0x0a, end);
      end = newline < 0 ? bytes.length : newline + 1;
    }
    yield bytes.subarray(start, end);
    start = end;
  }
}

async function* xlsxRows(bytes: Buffer): AsyncGenerator<{ rowNumber: number; cells: string[] }> {
  for await (const row of xlsxFirstSheetRows(bytes)) {
    const values = row.values as ExcelJS.CellValue[];
    yield { rowNumber: row.number, cells: Array.from({ length: Math.max(0, values.length - 1) }, (_, i) => cellText(values[i + 1])) };
  }
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
