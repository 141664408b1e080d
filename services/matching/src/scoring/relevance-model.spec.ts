import { join } from 'node:path';
import { loadCatalogue } from '../catalogue/catalogue-file';
import { RelevanceModel, SCORE_WEIGHTS } from './relevance-model';
import type { NeedForMatching, RankedCandidate, SupplyItem } from './scoring.types';

const catalogue = loadCatalogue(join(__dirname, '../../catalogue/sample-catalogue.json'));

const sicNeed: NeedForMatching = {
  title: '碳化硅功率器件封装工艺改进',
  description: '我司生产新能源汽车电控，希望改进SiC模块的封装散热与可靠性。',
  category: 'tech-breakthrough',
  technicalField: 'electronic-information',
  regionCode: '330108', // 杭州滨江; the SiC packaging item is in 杭州西湖
};

const reason = (c: RankedCandidate, kind: string) => c.reasons.find((r) => r.kind === kind);
const sumOfContributions = (c: RankedCandidate) => c.reasons.reduce((s, r) => s + r.contribution, 0);

function item(overrides: Partial<SupplyItem>): SupplyItem {
  return {
    id: 'inst-0001',
    kind: 'institution',
    name: '锂电池隔膜实验室',
    summary: '研究锂电池隔膜涂覆工艺。',
    technicalField: 'new-energy',
    keywords: ['锂电池', '隔膜'],
    regionCode: '440305',
    ...overrides,
  };
}
const need = (overrides: Partial<NeedForMatching>): NeedForMatching => ({
  title: '锂电池隔膜',
  description: '',
  category: 'tech-breakthrough',
  technicalField: 'new-energy',
  regionCode: '440305',
  ...overrides,
});

describe(RelevanceModel.name, () => {
  const model = new RelevanceModel(catalogue);

  it('ranks the SiC packaging achievement first for a SiC power-device need, naming the shared terms', () => {
    const [first, second] = model.rank(sicNeed);
    expect(first.supplyId).toBe('ach-0003');
    expect(first.score).toBeGreaterThan(second.score);
    expect(reason(first, 'terms')?.terms).toEqual(expect.arrayContaining(['碳化硅', '功率器件', '封装']));
    expect(reason(first, 'terms')?.detail).toContain('碳化硅');
    // The character overlap is a part of its own, not folded into a term's.
    expect(reason(first, 'terms')?.parts?.map((p) => p.label)).toContain('字面相似 character overlap');
  });

  it('explains every score factor by factor and term by term, and the parts add up to the score', () => {
    for (const c of model.rank(sicNeed)) {
      expect(reason(c, 'kind')?.detail).toMatch(/技术攻关需求/);
      expect(Math.abs(sumOfContributions(c) - c.score)).toBeLessThanOrEqual(1e-9 + 1e-4 * c.reasons.length);
      const terms = reason(c, 'terms')!;
      const parts = terms.parts!.reduce((s, p) => s + p.contribution, 0);
      expect(Math.abs(parts - terms.contribution)).toBeLessThanOrEqual(1e-9 + 1e-4);
      expect(c.score).toBeGreaterThan(0);
      expect(c.score).toBeLessThanOrEqual(1);
    }
  });

  it('lets the category decide the kinds: a financing need gets finance products only', () => {
    const loan = { ...sicNeed, title: '有六项发明专利，厂房是租的，银行不给贷', description: '想用专利做质押贷款补充流动资金。', category: 'financing' as const };
    const suzhou = model.rank({ ...loan, regionCode: '320506' });
    expect(suzhou.length).toBeGreaterThan(0);
    expect(new Set(suzhou.map((c) => c.kind))).toEqual(new Set(['finance-product']));
    expect(suzhou[0].supplyId).toBe('fin-0003'); // 苏州's IP-pledge loan
    const hangzhou = model.rank({ ...loan, regionCode: '330108' });
    expect(hangzhou.map((c) => c.supplyId)).not.toContain('fin-0003'); // it serves 苏州 only
    expect(hangzhou.map((c) => c.supplyId)).toContain('fin-0001'); // 杭州银行's loan serves 浙江
  });

  it('matches a listed company chip-design need to the CAS chip-design platform', () => {
    const [first] = model.rank({
      title: '芯片设计联合开发',
      description: '某上市公司年需求300万颗芯片，寻求科研院所开展芯片设计合作。',
      category: 'tech-breakthrough',
      technicalField: 'electronic-information',
      regionCode: '110108',
    });
    expect(first.supplyId).toBe('inst-0001');
    expect(reason(first, 'terms')?.terms).toContain('芯片设计');
  });

  it('returns no candidates when the need shares no meaningful term', () => {
    const pet = need({ title: '宠物食品口味改良', description: '希望提升猫粮适口性。', technicalField: 'electronic-information', regionCode: '110108' });
    expect(model.rank(pet)).toEqual([]);
  });

  it('reads a homograph in its sense: EMC energy-saving need does not match EMC testing', () => {
    const m = new RelevanceModel([
      item({ id: 'svc-0001', kind: 'service-agency', name: 'EMC电磁兼容检测实验室', summary: 'EMC 电磁兼容传导与辐射检测、3C 认证。', keywords: ['EMC', '电磁兼容', '检测认证'], details: { serviceTypes: ['testing-certification'] } }),
      item({ id: 'svc-0002', kind: 'service-agency', name: '合同能源管理节能服务公司', summary: '以EMC模式为工厂做空压机、照明节能改造，分享节能收益。', keywords: ['EMC', '合同能源管理', '节能改造'], details: { serviceTypes: ['energy-services'] } }),
    ]);
    const ranked = m.rank(need({ title: '想用EMC模式做节能改造', description: '工厂电费太高，想找节能服务公司按合同能源管理分享收益。', category: 'tech-service' }));
    expect(ranked[0].supplyId).toBe('svc-0002');
    const lure = ranked.find((c) => c.supplyId === 'svc-0001');
    if (lure) expect(reason(lure, 'terms')?.detail).toContain('词义不同');
  });

  it('expands synonyms from the domain dictionary (集成电路 ⇄ 芯片)', () => {
    const m = new RelevanceModel([item({ id: 'inst-0002', name: '集成电路设计中心', summary: '提供集成电路设计与流片服务。', keywords: ['集成电路'], technicalField: 'electronic-information' })]);
    const [first] = m.rank(need({ title: '芯片', technicalField: 'electronic-information' }));
    expect(first?.supplyId).toBe('inst-0002');
    expect(reason(first, 'terms')?.parts?.[0].label).toContain('芯片≈集成电路');
  });

  it('never proposes an item outside its service area or in an excluded region', () => {
    const m = new RelevanceModel([
      item({ id: 'equip-0001', kind: 'shared-equipment', name: '扫描电镜', keywords: ['扫描电镜'], regionCode: '430104', serviceArea: ['430000'], details: { instrument: 'SEM', location: '长沙', bookingTerms: '预约' } }),
      item({ id: 'equip-0002', kind: 'shared-equipment', name: '扫描电镜', keywords: ['扫描电镜'], regionCode: '440305', details: { instrument: 'SEM', location: '深圳', bookingTerms: '预约' } }),
      item({ id: 'equip-0003', kind: 'shared-equipment', name: '扫描电镜', keywords: ['扫描电镜'], regionCode: '320506', details: { instrument: 'SEM', location: '苏州', bookingTerms: '预约' } }),
    ]);
    const ranked = m.rank(need({ title: '扫描电镜', category: 'equipment-sharing', regionCode: '440305', excludedRegionCodes: ['320000'] }));
    expect(ranked.map((c) => c.supplyId)).toEqual(['equip-0002']);
  });

  it('filters on hard constraints and weighs soft ones: maturity', () => {
    const m = new RelevanceModel([
      item({ id: 'ach-0001', kind: 'achievement', trl: 4, details: {} }),
      item({ id: 'ach-0002', kind: 'achievement', trl: 8, details: {} }),
    ]);
    const soon = need({ category: 'achievement-transfer', neededWithinMonths: 12 });
    expect(m.rank(soon).map((c) => c.supplyId)).toEqual(['ach-0002', 'ach-0001']);
    expect(m.rank({ ...soon, hardConstraints: ['maturity'] }).map((c) => c.supplyId)).toEqual(['ach-0002']);
  });

  it('checks a finance product’s eligibility and amount against the enterprise', () => {
    const loan = (id: string, eligibility: string[], max: number) =>
      item({ id, kind: 'finance-product', name: '科技信用贷款', keywords: ['信用贷款', '融资'], details: { providerType: 'bank', productType: 'credit-loan', amountMinFen: 0, amountMaxFen: max, eligibility } });
    const m = new RelevanceModel([loan('fin-0001', ['little-giant'], 5e9), loan('fin-0002', ['high-tech-enterprise'], 1e8), loan('fin-0003', ['high-tech-enterprise'], 5e9)]);
    const base = need({ title: '信用贷款', category: 'financing', enterpriseQualifications: ['high-tech-enterprise'], budgetMaxFen: 5e8 });
    expect(m.rank(base)[0].supplyId).toBe('fin-0003');
    expect(m.rank({ ...base, hardConstraints: ['eligibility', 'budget'] }).map((c) => c.supplyId)).toEqual(['fin-0003']);
  });

  it('learns from coded rejections on similar needs, and a rejection can only lower the score to 0', () => {
    const m = new RelevanceModel([item({ id: 'inst-0001' }), item({ id: 'inst-0002' })]);
    const q = need({});
    expect(m.rank(q)[0].supplyId).toBe('inst-0001'); // tie broken by id
    const rejectedTwice = [
      { outcome: 'wrong-field' as const, terms: ['锂电池', '隔膜'] },
      { outcome: 'wrong-field' as const, terms: ['锂电池', '隔膜'] },
    ];
    const ranked = m.rank(q, { feedback: new Map([['inst-0001', rejectedTwice]]) });
    expect(ranked[0].supplyId).toBe('inst-0002');
    const rejected = ranked.find((c) => c.supplyId === 'inst-0001')!;
    expect(reason(rejected, 'feedback')!.contribution).toBeLessThan(0);
    expect(reason(rejected, 'feedback')!.detail).toContain('技术领域不对×2');
    expect(Math.abs(sumOfContributions(rejected) - rejected.score)).toBeLessThanOrEqual(1e-3);
    const tried = m.rank(q, { feedback: new Map([['inst-0001', [{ outcome: 'already-tried' as const, terms: ['锂电池', '隔膜'] }]]]) });
    expect(tried[0].supplyId).toBe('inst-0001'); // about that enterprise, not the item
  });

  it('weighs a decision by how much that need asked the same of the item', () => {
    const m = new RelevanceModel([item({ id: 'inst-0001', keywords: ['锂电池', '隔膜', '热失控'] }), item({ id: 'inst-0002', keywords: ['锂电池', '隔膜', '热失控'] })]);
    const q = need({ title: '锂电池热失控' });
    const penalty = (terms: string[]) => {
      const c = m.rank(q, { feedback: new Map([['inst-0001', [{ outcome: 'wrong-field' as const, terms }]]]) }).find((x) => x.supplyId === 'inst-0001')!;
      return reason(c, 'feedback')?.contribution ?? 0;
    };
    expect(penalty(['锂电池', '热失控'])).toBeLessThan(penalty(['锂电池', '隔膜', '回收']));
    expect(penalty(['光伏'])).toBe(0); // a need that asked something else of it says nothing
  });

  it('weighs the field by the one taxonomy: same field over a neighbour over an unrelated one', () => {
    const m = new RelevanceModel([
      item({ id: 'inst-0001', technicalField: 'new-energy' }),
      item({ id: 'inst-0002', technicalField: 'new-materials' }),
      item({ id: 'inst-0003', technicalField: 'biomedicine' }),
    ]);
    const ranked = m.rank(need({}));
    expect(ranked.map((c) => c.supplyId)).toEqual(['inst-0001', 'inst-0002', 'inst-0003']);
    expect(reason(ranked[1], 'field')!.contribution).toBeCloseTo(reason(ranked[0], 'field')!.contribution / 2, 3);
  });

  it('breaks ties by supply id and honours limit and minScore', () => {
    const m = new RelevanceModel([item({ id: 'inst-0003' }), item({ id: 'inst-0001' }), item({ id: 'inst-0002' })]);
    const all = m.rank(need({}));
    expect(all.map((c) => c.supplyId)).toEqual(['inst-0001', 'inst-0002', 'inst-0003']);
    expect(m.rank(need({}), { limit: 1 }).map((c) => c.supplyId)).toEqual(['inst-0001']);
    expect(m.rank(need({}), { minScore: all[0].score + 0.01 })).toEqual([]);
  });

  it('rejects duplicate supply ids', () => {
    expect(() => new RelevanceModel([item({}), item({})])).toThrow('duplicate supply id inst-0001');
  });

  it('keeps the weights summing to at most 1', () => {
    const { feedback, ...rest } = SCORE_WEIGHTS;
    expect(Object.values(rest).reduce((s, w) => s + w, 0) + feedback).toBeLessThanOrEqual(1 + 1e-9);
  });
});
