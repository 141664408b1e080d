import { ndcgAt5, recallAt5, reciprocalRank } from './metrics';

describe('ranking metrics', () => {
  const judgments = { a: 3, b: 2, c: 1 };

  it('nDCG@5 is 1 for the ideal order, less for any other, 0 for nothing relevant', () => {
    expect(ndcgAt5(['a', 'b', 'c'], judgments)).toBeCloseTo(1, 10);
    expect(ndcgAt5(['c', 'b', 'a'], judgments)).toBeLessThan(1);
    expect(ndcgAt5(['x', 'y'], judgments)).toBe(0);
    // gain 2^g − 1 with a log2 discount: 7/1 + 0 + 3/2 against the ideal 7 + 3/log2(3) + 1/2
    expect(ndcgAt5(['a', 'x', 'b'], judgments)).toBeCloseTo((7 + 3 / 2) / (7 + 3 / Math.log2(3) + 1 / 2), 10);
  });

  it('nDCG@5 ignores what lies below rank 5', () => {
    expect(ndcgAt5(['x1', 'x2', 'x3', 'x4', 'x5', 'a'], judgments)).toBe(0);
  });

  it('recall@5 counts the good items (grade ≥ 2) found, out of at most 5', () => {
    expect(recallAt5(['a', 'c'], judgments)).toBe(0.5);
    expect(recallAt5(['b', 'a'], judgments)).toBe(1);
  });

  it('MRR takes the first exactly-right item', () => {
    expect(reciprocalRank(['b', 'c', 'a'], judgments)).toBeCloseTo(1 / 3, 10);
    expect(reciprocalRank(['b'], judgments)).toBe(0);
  });
});
