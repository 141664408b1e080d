import { join } from 'node:path';
import { loadCatalogue } from '../catalogue/catalogue-file';
import { RelevanceModel, SCORE_WEIGHTS } from './relevance-model';
import type { NeedForMatching, RankedCandidate, SupplyItem } from './scoring.types';

const catalogue = loadCatalogue(join(__dirname, '../../catalogue/sample-catalogue.json'));

const sicNeed: NeedForMatching = {
  title: '碳化硅功率器件封装工艺改进',
  description: '我司生产新能源汽车电控，希望改进SiC模块的封装散热与可靠性。',
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
    trl: 9,
    ...overrides,
  };
}

describe(RelevanceModel.name, () => {
  const model = new RelevanceModel(catalogue);

  it('ranks the SiC packaging achievement first for a SiC power-device need', () => {
    const [first, second] = model.rank(sicNeed);
    expect(first.supplyId).toBe('ach-0003');
    expect(first.score).toBeGreaterThan(second.score);
    expect(reason(first, 'terms')?.terms).toEqual(expect.arrayContaining(['碳化硅', '功率器件', '封装', 'sic']));
    expect(reason(first, 'terms')?.detail).toContain('碳化硅(关键词/keywords');
  });

  it('reports field, region and maturity contributions that sum to the score', () => {
    const [first] = model.rank(sicNeed);
    expect(reason(first, 'field')?.contribution).toBe(SCORE_WEIGHTS.field);
    expect(reason(first, 'region')?.contribution).toBeCloseTo(SCORE_WEIGHTS.region * 0.6, 4); // same city
    expect(reason(first, 'maturity')?.contribution).toBeCloseTo((SCORE_WEIGHTS.maturity * 7) / 9, 4);
    for (const c of model.rank(sicNeed)) {
      expect(Math.abs(sumOfContributions(c) - c.score)).toBeLessThanOrEqual(5e-4);
      expect(c.score).toBeGreaterThan(0);
      expect(c.score).toBeLessThanOrEqual(1);
    }
  });

  it('matches a listed company chip-design need to the CAS chip-design platform', () => {
    const [first] = model.rank({
      title: '芯片设计联合开发',
      description: '某上市公司年需求300万颗芯片，寻求科研院所开展芯片设计合作。',
      technicalField: 'electronic-information',
      regionCode: '110108',
    });
    expect(first.supplyId).toBe('inst-0001');
    expect(reason(first, 'terms')?.terms).toContain('芯片设计');
  });

  it('returns no candidates when the need shares no meaningful term', () => {
    const need: NeedForMatching = {
      title: '宠物食品口味改良',
      description: '希望提升猫粮适口性。',
      technicalField: 'electronic-information', // same field and region as many items: not enough
      regionCode: '110108',
    };
    expect(model.rank(need)).toEqual([]);
    expect(model.rank({ ...need, title: '技术需求', description: '我司希望进行相关研究。' })).toEqual([]);
  });

  it('matches ASCII terms case-insensitively', () => {
    const upper = model.rank({ title: 'MEMS', description: '', technicalField: 'aerospace', regionCode: '650102' });
    const lower = model.rank({ title: 'mems', description: '', technicalField: 'aerospace', regionCode: '650102' });
    expect(upper.map((c) => c.supplyId)).toEqual(['expert-0001']);
    expect(lower).toEqual(upper);
    const ai = model.rank({ title: '医学影像', description: '', keywords: ['Ai'], technicalField: 'biomedicine', regionCode: '650102' });
    expect(ai[0].supplyId).toBe('ach-0008');
    expect(ai.map((c) => c.supplyId)).toEqual(expect.arrayContaining(['ach-0001', 'inst-0002']));
  });

  it('scores region proximity district > city > province > elsewhere', () => {
    const regional = new RelevanceModel([
      item({ id: 'inst-0001', regionCode: '440305' }), // 深圳南山: same district
      item({ id: 'inst-0002', regionCode: '440304' }), // 深圳福田: same city
      item({ id: 'inst-0003', regionCode: '440106' }), // 广州天河: same province
      item({ id: 'inst-0004', regionCode: '110108' }), // 北京海淀
    ]);
    const ranked = regional.rank({ title: '锂电池隔膜', description: '', technicalField: 'new-energy', regionCode: '440305' });
    expect(ranked.map((c) => c.supplyId)).toEqual(['inst-0001', 'inst-0002', 'inst-0003', 'inst-0004']);
    expect(ranked.map((c) => reason(c, 'region')?.contribution ?? 0)).toEqual([0.1, 0.06, 0.03, 0]);
  });

  it('adds the field contribution only for the same technical field', () => {
    const m = new RelevanceModel([item({ id: 'inst-0001' }), item({ id: 'inst-0002', technicalField: 'new-materials' })]);
    const [same, other] = m.rank({ title: '锂电池', description: '', technicalField: 'new-energy', regionCode: '110108' });
    expect(same.supplyId).toBe('inst-0001');
    expect(reason(other, 'field')).toBeUndefined();
    expect(same.score - other.score).toBeCloseTo(SCORE_WEIGHTS.field, 4);
  });

  it('breaks ties by supply id and honours limit and minScore', () => {
    const m = new RelevanceModel([item({ id: 'inst-0003' }), item({ id: 'inst-0001' }), item({ id: 'inst-0002', trl: 1 })]);
    const need: NeedForMatching = { title: '锂电池', description: '', technicalField: 'new-energy', regionCode: '440305' };
    const all = m.rank(need);
    expect(all.map((c) => c.supplyId)).toEqual(['inst-0001', 'inst-0003', 'inst-0002']);
    expect(m.rank(need, { limit: 1 }).map((c) => c.supplyId)).toEqual(['inst-0001']);
    expect(m.rank(need, { minScore: all[0].score }).map((c) => c.supplyId)).toEqual(['inst-0001', 'inst-0003']);
  });

  it('rejects duplicate supply ids', () => {
    expect(() => new RelevanceModel([item({}), item({})])).toThrow('duplicate supply id inst-0001');
  });
});
