import { readSpreadsheet, spreadsheetFormatOf, writeXlsx } from './spreadsheets';

describe('spreadsheets', () => {
  it('reads an XLSX by its headers (with the template’s * marks), skipping blank rows', async () => {
    const bytes = await writeXlsx([
      {
        name: 'form',
        columns: [
          { key: 'a', header: '需求名称*' },
          { key: 'b', header: '预算下限（万元）' },
        ],
        rows: [{ a: '芯片封装', b: 50.5 }, {}, { a: '电池回收', b: 12 }],
      },
    ]);
    const sheet = await readSpreadsheet(bytes, 'xlsx', '需求名称');
    expect(sheet.headers).toEqual(['需求名称', '预算下限（万元）']);
    expect(sheet.rows).toEqual([
      { rowNumber: 2, values: { 需求名称: '芯片封装', '预算下限（万元）': '50.5' } },
      { rowNumber: 4, values: { 需求名称: '电池回收', '预算下限（万元）': '12' } },
    ]);
  });

  it('reads a CSV with a BOM and quoted cells', async () => {
    const csv = Buffer.from('\uFEFF标题行\n需求名称,关键词\n"芯片, 封装",良率\n', 'utf8');
    const sheet = await readSpreadsheet(csv, 'csv', '需求名称');
    expect(sheet.rows).toEqual([{ rowNumber: 3, values: { 需求名称: '芯片, 封装', 关键词: '良率' } }]);
  });

  it('refuses a sheet without the header, and tells formats by name and signature', async () => {
    await expect(readSpreadsheet(Buffer.from('a,b\n1,2\n'), 'csv', '需求名称')).rejects.toThrow(/no header row with “需求名称”/);
    expect(spreadsheetFormatOf('x.csv', Buffer.from('a'))).toBe('csv');
    expect(spreadsheetFormatOf('x.xlsx', Buffer.from('PK\u0003\u0004'))).toBe('xlsx');
    expect(spreadsheetFormatOf('x.xlsx', Buffer.from('%PDF'))).toBeUndefined();
    expect(spreadsheetFormatOf('x.pdf', Buffer.from('PK'))).toBeUndefined();
  });
});

describe('neutraliseCell', () => {
  it('turns text a spreadsheet would read as a formula into text, and leaves numbers and plain text alone', async () => {
    const { neutraliseCell } = await import('./spreadsheets');
    for (const formula of ['=1+1', '+1', '-2-3', '@SUM(A1)', '\t=1', '\r=1']) expect(neutraliseCell(formula)).toBe(`'${formula}`);
    expect(neutraliseCell(-5)).toBe(-5);
    expect(neutraliseCell(1234.5)).toBe(1234.5);
    expect(neutraliseCell('园区-2')).toBe('园区-2');
    expect(neutraliseCell('')).toBe('');
  });

  it('writes neutralised text cells into an XLSX, numbers still numeric', async () => {
    const { writeXlsx } = await import('./spreadsheets');
    const ExcelJS = (await import('exceljs')).default;
    const bytes = await writeXlsx([{ name: 's', columns: [{ header: 'park', key: 'park' }, { header: 'n', key: 'n' }], rows: [{ park: '-2-3', n: -7 }] }]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as never);
    const row = workbook.getWorksheet('s')!.getRow(2);
    expect(row.getCell(1).value).toBe("'-2-3");
    expect(row.getCell(2).value).toBe(-7);
  });
});
