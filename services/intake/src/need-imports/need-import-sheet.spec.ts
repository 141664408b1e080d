import { parseRow } from './need-import-sheet';

const row = (overrides: Record<string, string | undefined> = {}): Record<string, string> => {
  const base: Record<string, string | undefined> = {
    企业名称: '苏州芯联微电子股份有限公司',
    统一社会信用代码: '91320594MA1MXXXX0K',
    所在地区代码: '320506',
    需求名称: '低功耗芯片封装工艺改进',
    需求描述: '希望将封装良率提升至98%。',
    需求类别: '技术攻关',
    技术领域: '电子信息',
    关键词: '芯片封装、良率',
    '预算下限（万元）': '50',
    '预算上限（万元）': '200.5',
    合作方式: '合作开发、委托开发',
    联系人: '王工',
    联系电话: '13912345678',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as Record<string, string>;
};

describe(parseRow.name, () => {
  // A valid credit code for the base row (GB 32100 check character computed by the contracts).
  const { creditCodeCheckCharacter } = jest.requireActual('@tt/contracts');
  const body = '91320594MA1MXXXX0';
  const code = body + creditCodeCheckCharacter(body);

  it('turns a row into the API’s two requests: labels to codes, 万元 to fen, lists split on 、', () => {
    const parsed = parseRow(row({ 统一社会信用代码: code }));
    expect(parsed).toMatchObject({
      ok: true,
      enterprise: { name: '苏州芯联微电子股份有限公司', creditCode: code, regionCode: '320506' },
      need: {
        category: 'tech-breakthrough',
        technicalField: 'electronic-information',
        keywords: ['芯片封装', '良率'],
        budgetMinFen: 50_000_000,
        budgetMaxFen: 200_500_000,
        cooperationModes: ['joint-development', 'commissioned-development'],
        contact: { name: '王工', phone: '13912345678' },
      },
    });
  });

  it('accepts codes as well as labels', () => {
    expect(parseRow(row({ 统一社会信用代码: code, 需求类别: 'financing', 技术领域: 'new-materials', 保密要求: 'confidential' }))).toMatchObject({
      ok: true,
      need: { category: 'financing', technicalField: 'new-materials', confidentiality: 'confidential' },
    });
  });

  it.each([
    ['a missing required cell', { 需求名称: undefined }, '需求名称', /必填/],
    ['a label not in the list', { 需求类别: '造火箭', 统一社会信用代码: undefined }, '需求类别', /不是可选值之一/],
    ['a budget in words', { '预算下限（万元）': '五十' }, '预算下限（万元）', /万元/],
    ['a budget range upside down', { '预算下限（万元）': '300' }, '预算下限（万元）', /不能大于/],
    ['a bad phone', { 联系电话: '12345' }, '联系电话', /phone/],
    ['a mistyped credit code', {}, '统一社会信用代码', /GB 32100/],
  ])('names the column of %s', (_what, overrides, column, problem) => {
    const parsed = parseRow(row({ 统一社会信用代码: code, ...overrides, ...(column === '统一社会信用代码' ? { 统一社会信用代码: '91330206MA2XXXXX0K' } : {}) }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual(expect.arrayContaining([{ field: column, problem: expect.stringMatching(problem) }]));
  });

  it('reports every problem of a row, one per column', () => {
    const parsed = parseRow(row({ 统一社会信用代码: code, 需求类别: '造火箭', 联系电话: '1', 联系人: undefined }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => p.field).sort()).toEqual(['需求类别', '联系电话', '联系人'].sort());
  });
});
