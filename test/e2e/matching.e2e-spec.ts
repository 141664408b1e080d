import { adminToken, analystToken, brokerToken, eventually, TestSystem, type ApiClient } from '@tt/testing';
import type { NeedCategory, SupplyKind } from '@tt/contracts';
import { awaitProposals, captureNeed, chipNeed, creditCode } from './broker-workflow';

/**
 * Matching through the APIs, as a broker uses it: a need of each category gets proposals of the kinds
 * that can answer it; hard constraints are never violated; every proposal's reasons name the kind
 * rule, the factors and the terms, and add up to its score; and a coded rejection changes how that
 * item ranks for similar needs later. Runs on the sample catalogue `npm start` loads.
 */
type Reason = { kind: string; detail: string; contribution: number; terms?: string[]; parts?: { label: string; contribution: number }[] };
type Proposal = { proposalId: string; supplyId: string; supplyKind: SupplyKind; score: number; rank: number; modelVersion: string; reasons: Reason[] };

/** The kinds that may answer each category (services/matching/src/scoring/kind-rules.ts), written out again here on purpose. */
const ANSWERING_KINDS: Record<NeedCategory, SupplyKind[]> = {
  'tech-breakthrough': ['institution', 'expert', 'achievement'],
  'achievement-transfer': ['achievement', 'institution', 'expert', 'service-agency'],
  financing: ['finance-product', 'service-agency'],
  talent: ['expert', 'service-agency', 'institution', 'finance-product'],
  'equipment-sharing': ['shared-equipment', 'service-agency', 'finance-product'],
  'intellectual-property': ['service-agency'],
  'tech-service': ['service-agency', 'shared-equipment', 'expert', 'institution', 'achievement', 'finance-product'],
};

const WINDOW_MS = 6_000;

describe('matching through the APIs', () => {
  let system: TestSystem;
  let intake: ApiClient, matching: ApiClient, admin: ApiClient;
  let enterpriseId: string;
  const park = `park-match-${Date.now().toString(36)}`;
  const catalogue = new Map<string, { regionCode: string; trl?: number; kind: SupplyKind; details?: { serviceTypes?: string[] } }>();

  beforeAll(async () => {
    // A wide rescoring window, so the test below can act twice within one window.
    system = await TestSystem.start({ env: { matching: { CATALOGUE_RESCORE_WINDOW: `${WINDOW_MS / 1000}s` } } });
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    admin = system.api('matching', await adminToken());
    const enterprise = await intake.post('/enterprises', {
      name: '苏州园区精工智能装备有限公司',
      creditCode: creditCode(),
      regionCode: '320506',
      qualifications: ['high-tech-enterprise', 'listed-company'],
    });
    expect(enterprise.status).toBe(201);
    enterpriseId = enterprise.body.id;
    const page = await admin.get('/catalogue?pageSize=100');
    for (const item of page.body.items) catalogue.set(item.id, item);
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function proposalsFor(overrides: Record<string, unknown>): Promise<Proposal[]> {
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { keywords: [], budgetMinFen: undefined, budgetMaxFen: undefined, ...overrides }));
    return (await awaitProposals(matching, needId)).proposals as unknown as Proposal[];
  }

  function expectExplained(p: Proposal) {
    const kinds = p.reasons.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['kind', 'terms']));
    expect(p.reasons.find((r) => r.kind === 'kind')!.detail).toMatch(/需求 → /);
    const sum = p.reasons.reduce((s, r) => s + r.contribution, 0);
    expect(Math.abs(sum - p.score)).toBeLessThanOrEqual(1e-4 * p.reasons.length);
    const terms = p.reasons.find((r) => r.kind === 'terms')!;
    expect(terms.parts!.length).toBeGreaterThan(0);
    expect(Math.abs(terms.parts!.reduce((s, x) => s + x.contribution, 0) - terms.contribution)).toBeLessThanOrEqual(1e-4);
    expect(p.modelVersion).toMatch(/^kind-constraints/);
  }

  const NEEDS: { category: NeedCategory; need: Record<string, unknown>; expectFirst: string }[] = [
    { category: 'tech-breakthrough', need: {}, expectFirst: 'inst-0001' },
    {
      category: 'achievement-transfer',
      need: { title: '想引进退役动力电池回收技术', description: '公司做电池材料，想买一项成熟的废旧锂电池回收再生技术，明年就要上线。', technicalField: 'new-energy', cooperationModes: ['transfer'] },
      expectFirst: 'ach-0014',
    },
    {
      category: 'financing',
      need: { title: '有六项发明专利，厂房是租的，银行不给贷', description: '没有抵押物，想用专利或信用拿一笔500万的流动资金贷款。', technicalField: 'high-tech-services', budgetMaxFen: 500_000_000, cooperationModes: ['service'] },
      expectFirst: 'fin-0003',
    },
    {
      category: 'talent',
      need: { title: '招不到资深的车规功率器件工程师', description: '新建SiC模块产线，急需有车规级功率器件封装经验的资深工程师，想请猎头帮忙找人。', cooperationModes: ['service'] },
      expectFirst: 'svc-0005',
    },
    {
      category: 'equipment-sharing',
      need: { title: '零件尺寸老是超差，想找台精密测量的设备', description: '精密结构件批量尺寸不稳，自己买不起三坐标，想按小时租用测一下形位公差。', technicalField: 'advanced-manufacturing', cooperationModes: ['service'] },
      expectFirst: 'equip-0005',
    },
    {
      category: 'intellectual-property',
      need: { title: '扫地机器人下个月开卖，怕一卖就被告', description: '产品马上上市，担心导航和避障方案侵犯别人专利，想做一次排查。', technicalField: 'advanced-manufacturing', cooperationModes: ['consulting'] },
      expectFirst: 'svc-0006',
    },
    {
      category: 'tech-service',
      need: { title: '芯片要出口欧洲，需要做可靠性试验和认证', description: '车规芯片客户要求提供可靠性试验报告和检测认证，需要有CNAS资质的实验室。', cooperationModes: ['service'] },
      expectFirst: 'svc-0001',
    },
  ];

  it.each(NEEDS)('a $category need gets proposals of the kinds that can answer it, each explained', async ({ category, need, expectFirst }) => {
    const proposals = await proposalsFor({ category, ...need });
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals[0].supplyId).toBe(expectFirst);
    for (const p of proposals) {
      expect(ANSWERING_KINDS[category]).toContain(p.supplyKind);
      expectExplained(p);
    }
    if (category === 'intellectual-property') {
      // Only agencies offering IP or legal services (never the robot technologies that share its words).
      for (const p of proposals) expect(catalogue.get(p.supplyId)!.details!.serviceTypes).toEqual(expect.arrayContaining([expect.stringMatching(/intellectual-property|legal-services|technology-/)]));
    }
    if (category === 'financing') {
      // 杭州银行's 科易贷 serves Zhejiang only, 长沙银行's 湘科贷 Hunan only: never proposed to a Suzhou enterprise.
      expect(proposals.map((p) => p.supplyId)).not.toEqual(expect.arrayContaining(['fin-0001']));
      expect(proposals.map((p) => p.supplyId)).not.toContain('fin-0006');
    }
  });

  it('never proposes an item that violates a hard region or maturity constraint', async () => {
    const local = await proposalsFor({ preferredRegionCodes: ['320000'], hardConstraints: ['region'] });
    expect(local.length).toBeGreaterThan(0);
    for (const p of local) expect(catalogue.get(p.supplyId)!.regionCode.startsWith('32')).toBe(true);

    const mature = await proposalsFor({
      category: 'achievement-transfer',
      title: '引进成熟的电池相关技术',
      description: '需要能直接量产的锂电池、钠离子电池或储能相关成果。',
      technicalField: 'new-energy',
      minTrl: 8,
      hardConstraints: ['maturity'],
    });
    expect(mature.length).toBeGreaterThan(0);
    for (const p of mature) {
      const trl = catalogue.get(p.supplyId)!.trl;
      if (trl !== undefined) expect(trl).toBeGreaterThanOrEqual(8);
    }
    expect(mature.map((p) => p.supplyId)).not.toContain('ach-0005'); // the TRL-7 sodium-ion cathode

    const excluded = await proposalsFor({ excludedRegionCodes: ['110000'] });
    for (const p of excluded) expect(catalogue.get(p.supplyId)!.regionCode.startsWith('11')).toBe(false);
  });

  it('a rejection with a reason code lowers that item for similar needs later, and says why', async () => {
    const similar = { title: '低功耗物联网芯片的设计与流片', description: '需要面向物联网终端的低功耗芯片设计能力，希望与科研院所合作开展芯片设计与流片验证。' };
    const before = await proposalsFor(similar);
    const target = before[0];
    expect(target.reasons.some((r) => r.kind === 'feedback')).toBe(false);

    // Brokers reject it twice for needs like this one, as the wrong field.
    for (let i = 0; i < 2; i++) {
      const proposals = await proposalsFor(similar);
      const same = proposals.find((p) => p.supplyId === target.supplyId)!;
      const res = await matching.post(`/proposals/${same.proposalId}/reject`, { reasonCode: 'wrong-field', reason: '企业要的是模拟芯片，不是数字SoC' });
      expect(res.status).toBe(200);
      expect(res.body.rejectionCode).toBe('wrong-field');
    }

    const after = await proposalsFor(similar);
    // Still relevant (it led by far), so still proposed: lower, with the reason saying why.
    const again = after.find((p) => p.supplyId === target.supplyId);
    expect(again).toBeDefined();
    const feedback = again!.reasons.find((r) => r.kind === 'feedback')!;
    expect(feedback.contribution).toBeLessThan(0);
    expect(feedback.detail).toContain('技术领域不对×2');
    expect(again!.score).toBeLessThan(target.score - 0.05);
    expect(again!.rank).toBeGreaterThanOrEqual(target.rank);
    expectExplained(again!);

    // Each proposal names its model version; analysts compare versions on the decisions.
    const stats = await system.api('matching', await analystToken()).get('/proposals/acceptance');
    expect(stats.status).toBe(200);
    const current = stats.body.items.find((v: { modelVersion: string }) => v.modelVersion === target.modelVersion);
    expect(current).toMatchObject({ rejected: expect.any(Number), rejectionsByReason: { 'wrong-field': expect.any(Number) } });
    expect(current.rejectionsByReason['wrong-field']).toBeGreaterThanOrEqual(2);
    expect(current.proposed).toBeGreaterThan(current.rejected);
    expect((await matching.get('/proposals/acceptance')).status).toBe(403); // brokers see their own needs, not the model's record

    // A need of another category is not "similar": its ranking of the item is untouched.
    const other = await proposalsFor({ ...similar, category: 'achievement-transfer' });
    for (const p of other) expect(p.reasons.some((r) => r.kind === 'feedback')).toBe(false);
  });

  it('a need scored inside a catalogue window that was already fanned out still hears of the window’s later items', async () => {
    // Start just after a window boundary, so the three steps below fall in one window.
    await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() % WINDOW_MS) + 100));
    const window = Math.floor(Date.now() / WINDOW_MS);
    const item = (name: string, keywords: string[]) => ({ kind: 'institution', name, organisation: '某研究院', summary: `${name}，面向企业联合研发。`, technicalField: 'new-materials', keywords, regionCode: '320506' });
    // 1. A change opens the window and fans out to the needs open then.
    expect((await admin.post('/catalogue', item('古籍纸张脱酸加固实验室', ['纸张脱酸', '古籍修复']))).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    // 2. A need captured and scored after that fan-out, in the same window.
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '钙钛矿量子点色转换膜的水氧稳定性', description: '钙钛矿量子点色转换膜在高温高湿下衰减快，寻求封装与稳定性提升。', technicalField: 'new-materials', keywords: [], budgetMinFen: undefined, budgetMaxFen: undefined }));
    const first = await awaitProposals(matching, needId);
    // 3. A second item of the same window, exactly what the need asks for.
    const created = await admin.post('/catalogue', item('钙钛矿量子点色转换膜稳定性联合实验室', ['钙钛矿量子点', '色转换膜', '水氧稳定性']));
    expect(created.status).toBe(201);
    expect(Math.floor(Date.now() / WINDOW_MS)).toBe(window); // all three in one window: the scenario held
    expect(first.proposals.map((p) => p.supplyId)).not.toContain(created.body.id);
    const later = await eventually(
      () => matching.get(`/needs/${needId}/proposals`),
      (r) => r.body.proposals?.some((p: { supplyId: string }) => p.supplyId === created.body.id),
      { timeoutMs: 30_000, what: 'the window’s later item proposed to the need' },
    );
    expect(later.body.proposals[0].supplyId).toBe(created.body.id);
  });

  it('a rejection needs a reason code from the list', async () => {
    const [p] = await proposalsFor({});
    const missing = await matching.post(`/proposals/${p.proposalId}/reject`, { reason: '不合适' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('reasonCode');
    const unknown = await matching.post(`/proposals/${p.proposalId}/reject`, { reasonCode: 'too-ugly' });
    expect(unknown.status).toBe(400);
    const coded = await matching.post(`/proposals/${p.proposalId}/reject`, { reasonCode: 'already-tried' });
    expect(coded.status).toBe(200);
    expect(coded.body).toMatchObject({ status: 'rejected', rejectionCode: 'already-tried', rejectionReason: '企业已接触过' });
  });
});
