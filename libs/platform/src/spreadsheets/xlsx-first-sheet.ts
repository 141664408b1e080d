import ExcelJS from 'exceljs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

/**
 * The rows of an XLSX's first worksheet (the first tab that is one, in the workbook's own order), streamed.
 *
 * Why not ExcelJS's `stream.xlsx.WorkbookReader` as it stands: it reads the ZIP in one streaming
 * pass (unzipper's `Parse`), which emits `end` when its input is written rather than when its last
 * entry is delivered, so a trailing entry is sometimes lost. ExcelJS writes `xl/workbook.xml` last,
 * and without it the reader throws "Cannot read properties of undefined (reading 'sheets')": 4 reads
 * in 1,000 of one filled 需求征集表 on this machine, and CI failed on it (exceljs issues #3064, #3065).
 *
 * So the ZIP is opened by its central directory (yauzl, which also checks every entry inflates to
 * the size it declares), the workbook's parts are parsed first, in the order the sheet needs them,
 * and the sheet itself is still read row by row: a reader that stops early inflates no further.
 * The parsing of each part stays ExcelJS's, through its WorkbookReader's part parsers; those are
 * not public, so exceljs is pinned to an exact version and xlsx-first-sheet.spec.ts covers this path.
 */
export async function* xlsxFirstSheetRows(bytes: Buffer): AsyncGenerator<ExcelJS.Row> {
  const zip = await openZip(bytes);
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(undefined as never, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries: 'ignore' }) as unknown as WorkbookParts;
  const relsPath = 'xl/_rels/workbook.xml.rels';
  const workbookPath = 'xl/workbook.xml';
  if (!zip.has(relsPath) || !zip.has(workbookPath)) throw new Error('no workbook in the file');
  await workbook._parseRels(await zip.open(relsPath));
  await workbook._parseWorkbook(await zip.open(workbookPath));
  if (zip.has('xl/sharedStrings.xml')) await drain(workbook._parseSharedStrings(await zip.open('xl/sharedStrings.xml')));
  workbook.sharedStrings ??= [];
  if (zip.has('xl/styles.xml')) await workbook._parseStyles(await zip.open('xl/styles.xml'));

  // The first tab that is a worksheet (a chart sheet, also a tab, has no rows).
  const worksheetTargets = (workbook.model?.sheets ?? []).map(({ rId }) => workbook.workbookRels?.find((rel) => rel.Id === rId && rel.Type?.endsWith('/worksheet'))?.Target);
  const target = worksheetTargets.find((t) => t !== undefined);
  if (!target) throw new Error('no worksheet in the workbook');
  // A relationship target is relative to xl/, or absolute from the package root.
  const sheetPath = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join('xl', target));
  if (!zip.has(sheetPath)) throw new Error(`the workbook names a sheet it does not hold (${sheetPath})`);
  const sheetNo = /sheet(\d+)\.xml$/.exec(sheetPath)?.[1] ?? '1';
  for (const { value: sheet } of workbook._parseWorksheet(await zip.open(sheetPath), sheetNo)) {
    yield* sheet as AsyncIterable<ExcelJS.Row>;
  }
}

/** Runs a parser that caches what it reads (it yields nothing in that mode). */
async function drain(parser: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of parser) continue;
}

/** ExcelJS's WorkbookReader part by part: the parsers its `parse()` calls for each ZIP entry. */
interface WorkbookParts {
  workbookRels?: { Id: string; Type?: string; Target: string }[];
  model?: { sheets?: { rId: string }[] };
  sharedStrings?: unknown[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(chunks: AsyncIterable<Buffer>, sheetNo: string): Iterable<{ eventType: string; value: unknown }>;
}

interface OpenZip {
  has(path: string): boolean;
  /** The entry's bytes as they inflate. */
  open(path: string): Promise<Readable>;
}

const fromBuffer = promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer);

async function openZip(bytes: Buffer): Promise<OpenZip> {
  const zipfile = await fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zipfile.readEntry();
    });
    zipfile.once('end', resolve);
    zipfile.once('error', reject);
    zipfile.readEntry();
  });
  const openReadStream = promisify<yauzl.Entry, Readable>(zipfile.openReadStream.bind(zipfile));
  return {
    has: (path) => entries.has(path),
    open: (path) => openReadStream(entries.get(path)!),
  };
}
