import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { readSpreadsheet } from './spreadsheets';

/**
 * The XLSX reader does not depend on the order a ZIP holds a workbook's parts in (the format gives
 * that order no meaning), and reads the first tab the user sees. ExcelJS's one-pass streaming reader
 * fails the first case outright (it meets the sheet before xl/workbook.xml) and, on the order ExcelJS
 * itself writes, sometimes loses the last entry (exceljs #3064).
 */
describe('reading an XLSX’s first sheet', () => {
  async function twoSheets(): Promise<Buffer> {
    const workbook = new ExcelJS.Workbook();
    const form = workbook.addWorksheet('需求征集表');
    form.addRow(['需求名称', '截止日期', '预算']);
    form.addRow(['芯片封装良率提升', new Date(Date.UTC(2026, 11, 7)), 50.5]);
    const guide = workbook.addWorksheet('填写说明');
    guide.addRow(['需求名称', '说明']);
    guide.addRow(['只在说明页', '这一行不应读到']);
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }

  /** The same workbook, its parts stored in another order, or changed or left out. */
  async function rezip(bytes: Buffer, order: (paths: string[]) => string[], edit: (path: string, text: string) => string | undefined = (_, t) => t): Promise<Buffer> {
    const source = await JSZip.loadAsync(bytes);
    const out = new JSZip();
    const paths = Object.keys(source.files).filter((p) => !source.files[p].dir);
    for (const path of order(paths)) {
      const text = edit(path, await source.file(path)!.async('string'));
      if (text !== undefined) out.file(path, text);
    }
    return out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  }

  const formRow = { rowNumber: 2, values: { 需求名称: '芯片封装良率提升', 截止日期: '2026-12-07', 预算: '50.5' } };

  it('reads a workbook whose sheet comes before xl/workbook.xml, shared strings first', async () => {
    const sheetsFirst = await rezip(await twoSheets(), (paths) => [
      ...paths.filter((p) => p.includes('_rels')),
      'xl/sharedStrings.xml',
      ...paths.filter((p) => p.startsWith('xl/worksheets/')),
      ...paths.filter((p) => !p.includes('_rels') && p !== 'xl/sharedStrings.xml' && !p.startsWith('xl/worksheets/')),
    ]);
    const names = Object.keys((await JSZip.loadAsync(sheetsFirst)).files);
    expect(names.indexOf('xl/worksheets/sheet1.xml')).toBeLessThan(names.indexOf('xl/workbook.xml'));
    expect((await readSpreadsheet(sheetsFirst, 'xlsx', '需求名称')).rows).toEqual([formRow]);
  });

  it('reads the order ExcelJS writes, every time', async () => {
    const bytes = await twoSheets();
    for (let i = 0; i < 50; i++) expect((await readSpreadsheet(bytes, 'xlsx', '需求名称')).rows).toEqual([formRow]);
  });

  it('reads the first tab in the workbook’s order, whichever sheet file holds it', async () => {
    // The guide tab moved in front: its <sheet> element first in xl/workbook.xml.
    const guideFirst = await rezip(
      await twoSheets(),
      (paths) => paths,
      (path, text) => (path === 'xl/workbook.xml' ? text.replace(/(<sheet [^>]*name="需求征集表"[^>]*\/>)(<sheet [^>]*\/>)/, '$2$1') : text),
    );
    await expect((await JSZip.loadAsync(guideFirst)).file('xl/workbook.xml')!.async('string')).resolves.toMatch(/<sheets><sheet [^>]*name="填写说明"/);
    expect((await readSpreadsheet(guideFirst, 'xlsx', '需求名称')).rows).toEqual([{ rowNumber: 2, values: { 需求名称: '只在说明页', 说明: '这一行不应读到' } }]);
  });

  it('skips a chart sheet in front: its tab has no rows', async () => {
    const chartsheet = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet';
    const asChart = (target: string) => (path: string, text: string) =>
      path === 'xl/_rels/workbook.xml.rels' ? text.replace(new RegExp(`Type="[^"]*/worksheet"( Target="${target}")`), `Type="${chartsheet}"$1`) : text;
    const chartFirst = await rezip(await twoSheets(), (paths) => paths, asChart('worksheets/sheet1.xml'));
    await expect((await JSZip.loadAsync(chartFirst)).file('xl/_rels/workbook.xml.rels')!.async('string')).resolves.toContain(chartsheet);
    expect((await readSpreadsheet(chartFirst, 'xlsx', '需求名称')).rows).toEqual([{ rowNumber: 2, values: { 需求名称: '只在说明页', 说明: '这一行不应读到' } }]);
    const chartsOnly = await rezip(chartFirst, (paths) => paths, asChart('worksheets/sheet2.xml'));
    await expect(readSpreadsheet(chartsOnly, 'xlsx', '需求名称')).rejects.toThrow('no worksheet in the workbook');
  });

  it('refuses a file without a workbook, or whose workbook names a sheet it does not hold', async () => {
    const bytes = await twoSheets();
    const noWorkbook = await rezip(bytes, (paths) => paths.filter((p) => p !== 'xl/workbook.xml'));
    await expect(readSpreadsheet(noWorkbook, 'xlsx', '需求名称')).rejects.toThrow('no workbook in the file');
    const noSheet = await rezip(bytes, (paths) => paths.filter((p) => p !== 'xl/worksheets/sheet1.xml'));
    await expect(readSpreadsheet(noSheet, 'xlsx', '需求名称')).rejects.toThrow('does not hold (xl/worksheets/sheet1.xml)');
    await expect(readSpreadsheet(Buffer.from('PK\u0003\u0004 not really a zip'), 'xlsx', '需求名称')).rejects.toThrow();
  });
});
