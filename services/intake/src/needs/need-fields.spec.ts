import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { NeedCapturedV1, type NeedHardConstraint } from '@tt/contracts';
import { needRuleParams, needRuleProblems, optionalNeedState, type NeedRuleFields } from './need-fields';
import { CreateNeedDto, ReviseNeedDto } from './need.dto';

describe(needRuleProblems.name, () => {
  const fields = (problems: { field: string }[]) => problems.map((p) => p.field);

  it('accepts a need that keeps every rule, and one with none of the new fields', () => {
    const need = {
      budgetMinFen: 1,
      budgetMaxFen: 2,
      minTrl: 6,
      preferredRegionCodes: ['320500'],
      excludedRegionCodes: ['110000'],
      hardConstraints: ['region', 'maturity', 'budget', 'eligibility', 'cooperation-mode'],
    } satisfies NeedRuleFields;
    expect(needRuleProblems(need, ['high-tech-enterprise'])).toEqual([]);
    expect(needRuleProblems({}, [])).toEqual([]);
  });

  it('refuses an inverted budget, on budgetMinFen', () => {
    expect(needRuleParams({ budgetMinFen: 9, budgetMaxFen: 1 }, [])).toEqual([{ pointer: '/budgetMinFen', reason: 'budgetMinFen must not exceed budgetMaxFen' }]);
  });

  it('refuses a region both preferred and excluded, on excludedRegionCodes, naming the region', () => {
    expect(needRuleParams({ preferredRegionCodes: ['320500', '310000'], excludedRegionCodes: ['310000'] }, [])).toEqual([
      { pointer: '/excludedRegionCodes', reason: expect.stringContaining('310000') },
    ]);
  });

  it.each<[NeedHardConstraint, NeedRuleFields, RegExp]>([
    ['region', {}, /preferredRegionCodes/],
    ['region', { preferredRegionCodes: [] }, /preferredRegionCodes/],
    ['maturity', {}, /minTrl or neededWithinMonths/],
    ['budget', { budgetMinFen: 100 }, /budgetMaxFen/],
  ])('refuses a hard %s without what it filters on, on hardConstraints', (constraint, need, reason) => {
    expect(needRuleParams({ ...need, hardConstraints: [constraint] }, ['tech-sme'])).toEqual([
      { pointer: '/hardConstraints', reason: expect.stringMatching(reason) },
    ]);
  });

  it('takes either minTrl or neededWithinMonths for a hard maturity', () => {
    expect(needRuleProblems({ hardConstraints: ['maturity'], minTrl: 4 }, [])).toEqual([]);
    expect(needRuleProblems({ hardConstraints: ['maturity'], neededWithinMonths: 12 }, [])).toEqual([]);
  });

  it('refuses a hard eligibility when the enterprise has no qualifications, and leaves it when they are not known', () => {
    expect(needRuleParams({ hardConstraints: ['eligibility'] }, [])).toEqual([{ pointer: '/hardConstraints', reason: expect.stringContaining('none recorded') }]);
    expect(needRuleProblems({ hardConstraints: ['eligibility'] }, ['little-giant'])).toEqual([]);
    expect(needRuleProblems({ hardConstraints: ['eligibility'] }, undefined)).toEqual([]);
  });

  it('reports every rule broken at once', () => {
    const problems = needRuleProblems(
      { budgetMinFen: 2, budgetMaxFen: 1, preferredRegionCodes: ['320500'], excludedRegionCodes: ['320500'], hardConstraints: ['maturity', 'eligibility'] },
      [],
    );
    expect(fields(problems)).toEqual(['budgetMinFen', 'excludedRegionCodes', 'hardConstraints', 'hardConstraints']);
    for (const p of problems) expect(p.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});

describe(optionalNeedState.name, () => {
  it('carries each field only when the need has it, and the enterprise’s qualifications when it has any', () => {
    expect(optionalNeedState({}, [])).toEqual({});
    expect(optionalNeedState({ supplyKinds: [], hardConstraints: [] }, undefined)).toEqual({});
    const state = optionalNeedState(
      { supplyKinds: ['expert'], minTrl: 5, neededWithinMonths: 12, preferredRegionCodes: ['320500'], excludedRegionCodes: ['110000'], hardConstraints: ['region'] },
      ['high-tech-enterprise'],
    );
    expect(state).toEqual({
      supplyKinds: ['expert'],
      minTrl: 5,
      neededWithinMonths: 12,
      preferredRegionCodes: ['320500'],
      excludedRegionCodes: ['110000'],
      enterpriseQualifications: ['high-tech-enterprise'],
      hardConstraints: ['region'],
    });
  });

  it('gives a payload the need captured contract accepts', () => {
    const payload = {
      needId: '5b0c1f4e-6f7a-4c1e-9a55-8d3b2a1c0e9f',
      enterpriseId: '6b0c1f4e-6f7a-4c1e-9a55-8d3b2a1c0e9f',
      parkId: 'park-1',
      brokerId: 'broker-1',
      enterpriseName: '苏州芯联微电子股份有限公司',
      regionCode: '320506',
      title: '低功耗芯片设计',
      description: '需要低功耗芯片设计能力。',
      category: 'tech-breakthrough',
      technicalField: 'electronic-information',
      keywords: [],
      cooperationModes: ['joint-development'],
      confidentiality: 'park-only',
      ...optionalNeedState({ supplyKinds: ['institution'], minTrl: 6, preferredRegionCodes: ['320500'], hardConstraints: ['region', 'maturity'] }, ['listed-company']),
      capturedAt: new Date().toISOString(),
    };
    expect(NeedCapturedV1.schema.safeParse(payload)).toMatchObject({ success: true });
  });
});

describe('the new need fields of CreateNeedDto and ReviseNeedDto', () => {
  const valid = {
    enterpriseId: '6b0c1f4e-6f7a-4c1e-9a55-8d3b2a1c0e9f',
    title: '低功耗芯片设计',
    description: '需要低功耗芯片设计能力。',
    category: 'tech-breakthrough',
    technicalField: 'electronic-information',
    cooperationModes: ['joint-development'],
    contact: { name: '王工', phone: '13912345678' },
  };
  const problems = (cls: typeof CreateNeedDto | typeof ReviseNeedDto, body: object) =>
    validateSync(plainToInstance(cls, body) as object, { whitelist: true, forbidNonWhitelisted: true }).map((e) => ({ field: e.property, reasons: Object.values(e.constraints ?? {}) }));

  it('accepts them in range', () => {
    const body = { ...valid, supplyKinds: ['institution', 'expert'], minTrl: 9, neededWithinMonths: 120, preferredRegionCodes: ['320500', '310000'], excludedRegionCodes: ['110000'], hardConstraints: [] };
    expect(problems(CreateNeedDto, body)).toEqual([]);
  });

  it.each([
    ['supplyKinds', ['institution', 'institution']],
    ['supplyKinds', []],
    ['supplyKinds', ['laboratory']],
    ['minTrl', 0],
    ['minTrl', 10],
    ['minTrl', 6.5],
    ['neededWithinMonths', 121],
    ['neededWithinMonths', '12'],
    ['preferredRegionCodes', ['320500', '320500']],
    ['preferredRegionCodes', []],
    ['preferredRegionCodes', ['3205']],
    ['preferredRegionCodes', Array.from({ length: 21 }, (_, k) => `3205${String(k + 1).padStart(2, '0')}`)],
    ['excludedRegionCodes', ['339999']],
    ['excludedRegionCodes', [320500]],
    ['hardConstraints', ['price']],
    ['hardConstraints', ['region', 'region']],
  ])('refuses %s = %j, naming the field (on capture and on revision)', (field, value) => {
    expect(problems(CreateNeedDto, { ...valid, [field]: value })).toEqual([{ field, reasons: expect.any(Array) }]);
    expect(problems(ReviseNeedDto, { [field]: value })).toEqual([{ field, reasons: expect.any(Array) }]);
  });

  it('names the codes not in GB/T 2260, and only those', () => {
    const [problem] = problems(CreateNeedDto, { ...valid, preferredRegionCodes: ['320500', '339999', '319999'] });
    expect(problem.reasons).toEqual(['preferredRegionCodes: 339999, 319999 not in the GB/T 2260 list of administrative divisions']);
  });
});
