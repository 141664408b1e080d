import ExcelJS from 'exceljs';
import { creditCode } from './broker-workflow';

/**
 * 需求征集表 rows as brokers fill them in (Chinese labels, budgets in 万元), for the import tests and
 * the import benchmark; and a filled copy of the template the API hands out.
 */
export type FormRow = Record<string, string>;

const FIELDS = ['电子信息', '新材料', '先进制造与自动化', '新能源与节能', '生物与新医药'];

/** `count` valid rows spread over `enterprises` enterprises (credit codes valid and unique to this call). */
export function validRows(count: number, enterprises: number, tag: string): FormRow[] {
  const companies = Array.from({ length: enterprises }, (_, e) => ({
    企业名称: `苏州${tag}科技有限公司${e + 1}号`,
    统一社会信用代码: creditCode(),
    所在地区代码: '320506',
  }));
  return Array.from({ length: count }, (_, i) => ({
    ...companies[i % enterprises],
    行业代码: 'C3973',
    企业资质: i % 3 === 0 ? '高新技术企业、科技型中小企业' : '',
    需求名称: `${tag}第${i + 1}项需求：低功耗芯片封装工艺改进`,
    需求描述: `企业现有封装良率约92%，希望与高校院所合作将良率提升至98%以上（第${i + 1}项）。`,
    需求类别: i % 4 === 0 ? '成果转化' : '技术攻关',
    技术领域: FIELDS[i % FIELDS.length],
    关键词: '芯片封装、良率提升',
    '预算下限（万元）': '50',
    '预算上限（万元）': '200.5',
    合作方式: '合作开发、委托开发',
    保密要求: '仅园区内可见',
    联系人: '王工',
    联系电话: '13912345678',
    电子邮箱: 'wang@example.com',
  }));
}

/** Seventeen ways a row goes wrong, each with the column the report must name. */
export const BAD_ROW_CASES: { column: string; spoil: (row: FormRow) => void }[] = [
  { column: '需求名称', spoil: (r) => delete r['需求名称'] },
  { column: '统一社会信用代码', spoil: (r) => (r['统一社会信用代码'] = '91330206MA2XXXXX0K') },
  { column: '所在地区代码', spoil: (r) => (r['所在地区代码'] = '999999') },
  { column: '需求类别', spoil: (r) => (r['需求类别'] = '造火箭') },
  { column: '技术领域', spoil: (r) => (r['技术领域'] = '量子玄学') },
  { column: '预算下限（万元）', spoil: (r) => ((r['预算下限（万元）'] = '500'), (r['预算上限（万元）'] = '100')) },
  { column: '预算上限（万元）', spoil: (r) => (r['预算上限（万元）'] = '一百万') },
  { column: '联系电话', spoil: (r) => (r['联系电话'] = '12345') },
  { column: '电子邮箱', spoil: (r) => (r['电子邮箱'] = 'not-an-email') },
  { column: '合作方式', spoil: (r) => (r['合作方式'] = '合作开发、入股') },
  { column: '保密要求', spoil: (r) => (r['保密要求'] = '绝密') },
  { column: '联系人', spoil: (r) => delete r['联系人'] },
  { column: '需求名称', spoil: (r) => (r['需求名称'] = '长'.repeat(201)) },
  { column: '需求描述', spoil: (r) => delete r['需求描述'] },
  { column: '关键词', spoil: (r) => (r['关键词'] = Array.from({ length: 21 }, (_, k) => `词${k}`).join('、')) },
  { column: '行业代码', spoil: (r) => (r['行业代码'] = 'Z1') },
  { column: '企业资质', spoil: (r) => (r['企业资质'] = '独角兽') },
];

/** The template from the API, with the rows written under its header (column order as the template has it). */
export async function fillTemplate(template: Buffer, rows: FormRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(template as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet('需求征集表')!;
  const headers = (sheet.getRow(1).values as string[]).slice(1).map((h) => String(h).replace(/\*$/, ''));
  // Written from row 2, as a broker types them (the template's drop-down lists already reach down the sheet).
  rows.forEach((row, i) => {
    sheet.getRow(i + 2).values = headers.map((h) => row[h] ?? null);
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The sheets of an XLSX as rows of cell values (header first). */
export async function readSheets(bytes: Buffer): Promise<Map<string, unknown[][]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheets = new Map<string, unknown[][]>();
  workbook.eachSheet((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    sheets.set(sheet.name, rows);
  });
  return sheets;
}
