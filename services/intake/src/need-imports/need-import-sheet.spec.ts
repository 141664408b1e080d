import { COLUMNS, needRowRuleProblems, parseRow, templateSpec } from './need-import-sheet';

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

  describe('the columns of what is wanted and what is hard (资源类型, TRL, 投产月数, 地区, 硬性约束)', () => {
    const wanted = {
      需要的资源类型: '高校院所/研发机构，专家、科技金融产品',
      期望成熟度TRL: '6',
      需投产月数: '12',
      优先地区代码: '320500、310000，320506',
      排除地区代码: '110000',
      硬性约束: '地域、成熟度/时间，预算/额度',
    };

    it('reads them: labels to codes, lists split on 、 or ，, numbers as integers', () => {
      expect(parseRow(row({ 统一社会信用代码: code, ...wanted }))).toMatchObject({
        ok: true,
        need: {
          supplyKinds: ['institution', 'expert', 'finance-product'],
          minTrl: 6,
          neededWithinMonths: 12,
          preferredRegionCodes: ['320500', '310000', '320506'],
          excludedRegionCodes: ['110000'],
          hardConstraints: ['region', 'maturity', 'budget'],
        },
      });
    });

    it('accepts codes as well as labels, a code repeated once, and leaves the columns out when empty', () => {
      const parsed = parseRow(row({ 统一社会信用代码: code, 需要的资源类型: 'shared-equipment', 硬性约束: 'cooperation-mode、合作方式', 优先地区代码: '320500、320500' }));
      expect(parsed).toMatchObject({ ok: true, need: { supplyKinds: ['shared-equipment'], hardConstraints: ['cooperation-mode'], preferredRegionCodes: ['320500'] } });
      const plain = parseRow(row({ 统一社会信用代码: code }));
      const absent = { supplyKinds: undefined, minTrl: undefined, neededWithinMonths: undefined, preferredRegionCodes: undefined, excludedRegionCodes: undefined, hardConstraints: undefined };
      expect(plain).toMatchObject({ ok: true, need: absent });
    });

    it.each([
      ['a kind not in the list', { 需要的资源类型: '高校、外星人' }, '需要的资源类型', /“高校”不是可选值之一/],
      ['a TRL in words', { 期望成熟度TRL: '六级' }, '期望成熟度TRL', /不是整数/],
      ['a TRL above 9', { 期望成熟度TRL: '10' }, '期望成熟度TRL', /minTrl must not be greater than 9/],
      ['a fractional month count', { 需投产月数: '6.5' }, '需投产月数', /不是整数/],
      ['zero months', { 需投产月数: '0' }, '需投产月数', /neededWithinMonths must not be less than 1/],
      ['a region code of the wrong shape', { 优先地区代码: '320500、3205' }, '优先地区代码', /6-digit/],
      ['a region code not in GB/T 2260', { 排除地区代码: '339999' }, '排除地区代码', /339999 not in the GB\/T 2260 list/],
      ['21 preferred regions', { 优先地区代码: Array.from({ length: 21 }, (_, k) => `3205${String(k + 1).padStart(2, '0')}`).join('、') }, '优先地区代码', /preferredRegionCodes/],
      ['a region both preferred and excluded', { 优先地区代码: '320500、310000', 排除地区代码: '310000' }, '排除地区代码', /310000 不能既是优先地区又是排除地区/],
      ['a hard region without preferred regions', { 硬性约束: '地域' }, '硬性约束', /地域.*须填写优先地区代码/],
      ['a hard maturity without TRL or months', { 硬性约束: '成熟度/时间' }, '硬性约束', /须填写期望成熟度TRL或需投产月数/],
      ['a hard budget without an upper budget', { 硬性约束: '预算/额度', '预算上限（万元）': undefined }, '硬性约束', /须填写预算上限/],
      ['a constraint not in the list', { 硬性约束: '价格' }, '硬性约束', /不是可选值之一/],
    ])('names the column of %s, and the row is not taken', (_what, overrides, column, problem) => {
      const parsed = parseRow(row({ 统一社会信用代码: code, ...overrides }));
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      // Only this column is named (a list may get one line per bad value).
      expect(new Set(parsed.problems.map((p) => p.field))).toEqual(new Set([column]));
      expect(parsed.problems).toEqual(expect.arrayContaining([{ field: column, problem: expect.stringMatching(problem) }]));
    });

    it('satisfies a hard maturity with either the TRL or the months', () => {
      expect(parseRow(row({ 统一社会信用代码: code, 硬性约束: '成熟度/时间', 期望成熟度TRL: '7' })).ok).toBe(true);
      expect(parseRow(row({ 统一社会信用代码: code, 硬性约束: '成熟度/时间', 需投产月数: '24' })).ok).toBe(true);
    });

    it('leaves eligibility (申请资格) to the job, which knows the enterprise’s qualifications as recorded', () => {
      const parsed = parseRow(row({ 统一社会信用代码: code, 硬性约束: '申请资格' }));
      expect(parsed).toMatchObject({ ok: true, need: { hardConstraints: ['eligibility'] } });
      if (!parsed.ok) return;
      expect(needRowRuleProblems(parsed.need, [])).toEqual([{ field: '硬性约束', problem: expect.stringMatching(/申请资格.*未登记任何资质/) }]);
      expect(needRowRuleProblems(parsed.need, ['high-tech-enterprise'])).toEqual([]);
    });

    it('puts them in the template, with the guide naming their values', () => {
      const spec = templateSpec();
      const headers = spec.columns.map((c) => c.header);
      expect(headers).toEqual(expect.arrayContaining(['需要的资源类型', '期望成熟度TRL', '需投产月数', '优先地区代码', '排除地区代码', '硬性约束']));
      const guide = Object.fromEntries(spec.guide.map((g) => [g.column, g.guide]));
      expect(guide[COLUMNS.supplyKinds.header]).toContain('高校院所/研发机构');
      expect(guide[COLUMNS.hardConstraints.header]).toContain('成熟度/时间');
    });
  });
});
