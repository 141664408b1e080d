import { NEED_CATEGORY_CODES, SUPPLY_KIND_CODES, supplyItem } from '@tt/contracts';
import { generateDistractors, needsAboutDistractorTopics } from './distractors';
import { loadEvalCatalogue, loadEvalNeeds } from './eval-set';
import { PROJECT, runEvaluation, type EvalRun } from './evaluate';

/**
 * The matching evaluation as a regression guard (npm test): the set is what its README says it is,
 * and the ranking keeps its quality — nDCG@5 at or above a floor a little under the figures measured
 * when the model last changed (services/matching/README.md quotes them), and ahead of both lexical
 * baselines by at least 0.05 on every subset, with and without distractors. A ranking change that
 * loses quality fails here; one that gains should raise the floors.
 */
const FLOORS: Record<string, number> = {
  all: 0.85,
  trap: 0.83,
  constraint: 0.84,
  'tech-breakthrough': 0.82,
  'achievement-transfer': 0.86,
  financing: 0.9,
  talent: 0.69,
  'equipment-sharing': 0.94,
  'intellectual-property': 0.9,
  'tech-service': 0.9,
};
const MARGIN = 0.05;
const BASELINES = ['character-bigram TF-IDF cosine', 'jieba + BM25'];

describe('the matching evaluation set', () => {
  const items = loadEvalCatalogue();
  const needs = loadEvalNeeds(new Set(items.map((i) => i.id)));

  it('has at least 150 needs of every category, each with an exactly-right item, and both hard subsets', () => {
    expect(needs.length).toBeGreaterThanOrEqual(150);
    for (const category of NEED_CATEGORY_CODES) expect(needs.filter((n) => n.need.category === category).length).toBeGreaterThanOrEqual(20);
    expect(needs.filter((n) => n.subsets.includes('trap')).length).toBeGreaterThanOrEqual(30);
    expect(needs.filter((n) => n.subsets.includes('constraint')).length).toBeGreaterThanOrEqual(30);
    for (const n of needs) expect(Object.values(n.judgments)).toContain(3);
  });

  it('has a catalogue of all six kinds with at least 40 % hard negatives', () => {
    expect(new Set(items.map((i) => i.kind))).toEqual(new Set(SUPPLY_KIND_CODES));
    expect(items.filter((i) => i.role === 'hard-negative').length / items.length).toBeGreaterThanOrEqual(0.4);
  });

  it('generates at least 5,000 valid distractors that no need is about', () => {
    const distractors = generateDistractors(5000);
    expect(new Set(distractors.map((d) => d.id)).size).toBe(5000);
    for (const { id, ...item } of distractors.slice(0, 500)) expect(supplyItem.safeParse({ supplyId: id, ...item }).error?.issues ?? []).toEqual([]);
    expect(needsAboutDistractorTopics(needs)).toEqual([]);
    expect(generateDistractors(50)).toEqual(generateDistractors(50)); // deterministic
  });
});

describe('the ranking on the evaluation set (regression guard)', () => {
  const { plain, withDistractors } = runEvaluation(5000);
  const cases = (run: EvalRun, label: string) => Object.keys(FLOORS).map((subset) => [label, subset, run] as const);

  it.each([...cases(plain, 'catalogue only'), ...cases(withDistractors, 'with 5,000 distractors')])(
    '%s, %s: nDCG@5 above its floor and ≥ 0.05 ahead of both baselines',
    (_label, subset, run) => {
      const row = run.table[subset];
      expect(row[PROJECT].ndcg5).toBeGreaterThanOrEqual(FLOORS[subset]);
      for (const baseline of BASELINES) expect(row[PROJECT].ndcg5 - row[baseline].ndcg5).toBeGreaterThanOrEqual(MARGIN);
    },
  );
});
