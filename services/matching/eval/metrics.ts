/** Ranking metrics over graded judgments (3 exactly right, 2 good, 1 partly useful, 0 not). */

const K = 5;

/** nDCG@5 with gain 2^g − 1 and log2 discount; the ideal ranking is the judged grades sorted. */
export function ndcgAt5(ranked: readonly string[], judgments: Readonly<Record<string, number>>): number {
  const dcg = (grades: number[]) => grades.slice(0, K).reduce((s, g, i) => s + (2 ** g - 1) / Math.log2(i + 2), 0);
  const ideal = dcg(Object.values(judgments).sort((a, b) => b - a));
  return ideal === 0 ? 0 : dcg(ranked.map((id) => judgments[id] ?? 0)) / ideal;
}

/** Share of the good items (grade ≥ 2) found in the top 5, out of min(5, how many there are). */
export function recallAt5(ranked: readonly string[], judgments: Readonly<Record<string, number>>): number {
  const good = Object.entries(judgments).filter(([, g]) => g >= 2).map(([id]) => id);
  if (good.length === 0) return 0;
  const found = ranked.slice(0, K).filter((id) => (judgments[id] ?? 0) >= 2).length;
  return found / Math.min(K, good.length);
}

/** Reciprocal rank of the first exactly-right item (grade 3), 0 when none is ranked. */
export function reciprocalRank(ranked: readonly string[], judgments: Readonly<Record<string, number>>): number {
  const at = ranked.findIndex((id) => judgments[id] === 3);
  return at < 0 ? 0 : 1 / (at + 1);
}
