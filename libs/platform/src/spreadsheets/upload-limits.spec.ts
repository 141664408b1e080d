import ExcelJS from 'exceljs';
import { DEFAULT_READ_LIMITS, readSpreadsheet, SpreadsheetRefused } from './spreadsheets';
import { inspectZip } from './zip-inspection';

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('表');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('reading uploads under limits', () => {
  it('refuses a compression bomb from its ZIP directory, before anything inflates', async () => {
    const bomb = await xlsx([['名称'], ['a'.repeat(3_000_000)]]);
    expect(bomb.length).toBeLessThan(100_000); // small on the wire…
    const verdict = inspectZip(bomb, { ...DEFAULT_READ_LIMITS.zip, maxUncompressedBytes: 2 * 1024 * 1024 });
    expect(verdict).toMatchObject({ ok: false, tooLarge: true }); // …far larger inflated
    const ratio = inspectZip(bomb, { ...DEFAULT_READ_LIMITS.zip, maxRatio: 50 });
    expect(ratio).toMatchObject({ ok: false, reason: expect.stringContaining('bomb') });
    await expect(readSpreadsheet(bomb, 'xlsx', '名称', { zip: { ...DEFAULT_READ_LIMITS.zip, maxRatio: 50 } })).rejects.toBeInstanceOf(SpreadsheetRefused);
    expect(inspectZip(await xlsx([['名称'], ['正常的一行']]))).toMatchObject({ ok: true });
    expect(inspectZip(Buffer.from('PK not a zip at all'))).toMatchObject({ ok: false, tooLarge: false });
  });

  it('stops at the first row past the limit, and at a cell past its size', async () => {
    const many = await xlsx([['名称'], ...Array.from({ length: 3_000 }, (_, i) => [`第${i}行`])]);
    await expect(readSpreadsheet(many, 'xlsx', '名称', { maxRows: 1_000 })).rejects.toThrow('more than 1000 rows');
    expect((await readSpreadsheet(many, 'xlsx', '名称', { maxRows: 3_000 })).rows).toHaveLength(3_000);
    const csv = Buffer.from(['名称', ...Array.from({ length: 3_000 }, (_, i) => `第${i}行`)].join('\n'));
    await expect(readSpreadsheet(csv, 'csv', '名称', { maxRows: 1_000 })).rejects.toThrow('more than 1000 rows');
    const giant = Buffer.from(`名称\n${'长'.repeat(6_000)}\n`);
    await expect(readSpreadsheet(giant, 'csv', '名称')).rejects.toMatchObject({ tooLarge: true, message: expect.stringContaining('6000 characters') });
  });

  it('lets other work run while it reads: it yields to the event loop every few hundred rows', async () => {
    const rows = 4_000;
    const csv = Buffer.from(['名称', ...Array.from({ length: rows }, (_, i) => `第${i}行`)].join('\n'));
    let ticks = 0;
    let reading = true;
    const tick = () => {
      ticks += 1;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    await readSpreadsheet(csv, 'csv', '名称', { maxRows: rows });
    reading = false;
    expect(ticks).toBeGreaterThanOrEqual(rows / 200 - 1);
  });

  it('keeps a cell with control characters out of its row and names it', async () => {
    const sheet = await readSpreadsheet(Buffer.from('名称,简介\n好名字,"带\u001b[31m转义"\n另一个,正常\n'), 'csv', '名称');
    expect(sheet.rows).toEqual([
      { rowNumber: 2, values: { 名称: '好名字' }, unsafe: ['简介'] },
      { rowNumber: 3, values: { 名称: '另一个', 简介: '正常' } },
    ]);
  });
});
