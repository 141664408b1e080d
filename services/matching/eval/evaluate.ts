import { NEED_CATEGORY_CODES } from '@tt/contracts';
import { RelevanceModel } from '../src/scoring/relevance-model';
import type { SupplyItem } from '../src/scoring/scoring.types';
import { bigramBaseline, bm25Baseline, type Ranker } from './baselines';
import { generateDistractors } from './distractors';
import { loadEvalCatalogue, loadEvalNeeds, type JudgedNeed } from './eval-set';
import { ndcgAt5, reciprocalRank, recallAt5 } from './metrics';

export interface Scores {
  needs: number;
  ndcg5: number;
  recall5: number;
  mrr: number;
}
/** subset → ranker → scores */
export type Table = Record<string, Record<string, Scores>>;

export const PROJECT = 'this project';

/** The subsets reported: all, the two hard ones, each category, and the dev/held-out halves. */
export function subsetsOf(n: JudgedNeed): string[] {
  const number = Number(n.id.slice(2));
  return ['all', ...n.subsets, n.need.category, number % 2 === 1 ? 'dev (odd ids)' : 'held-out (even ids)'];
}

export function projectRanker(items: readonly SupplyItem[]): Ranker {
  const model = new RelevanceModel(items);
  return { name: PROJECT, rank: (need, limit) => model.rank(need, { limit }).map((c) => c.supplyId) };
}

export function scoreRankers(needs: readonly JudgedNeed[], rankers: readonly Ranker[]): Table {
  const sums: Record<string, Record<string, Scores>> = {};
  for (const ranker of rankers) {
    for (const n of needs) {
      const ranked = ranker.rank(n.need, 5);
      const m = { ndcg5: ndcgAt5(ranked, n.judgments), recall5: recallAt5(ranked, n.judgments), mrr: reciprocalRank(ranked, n.judgments) };
      for (const subset of subsetsOf(n)) {
        const row = (sums[subset] ??= {});
        const s = (row[ranker.name] ??= { needs: 0, ndcg5: 0, recall5: 0, mrr: 0 });
        s.needs += 1;
        s.ndcg5 += m.ndcg5;
        s.recall5 += m.recall5;
        s.mrr += m.mrr;
      }
    }
  }
  for (const row of Object.values(sums)) {
    for (const s of Object.values(row)) {
      s.ndcg5 /= s.needs;
      s.recall5 /= s.needs;
      s.mrr /= s.needs;
    }
  }
  return sums;
}

export interface EvalRun {
  items: number;
  hardNegativeShare: number;
  needs: number;
  distractors: number;
  table: Table;
}

/** The whole evaluation: the set, with and without generated distractors, the project against both baselines. */
export function runEvaluation(distractorCount = 5000): { plain: EvalRun; withDistractors: EvalRun } {
  const catalogue = loadEvalCatalogue();
  const needs = loadEvalNeeds(new Set(catalogue.map((i) => i.id)));
  const hardNegativeShare = catalogue.filter((i) => i.role === 'hard-negative').length / catalogue.length;
  const run = (items: SupplyItem[], distractors: number): EvalRun => ({
    items: items.length,
    hardNegativeShare,
    needs: needs.length,
    distractors,
    table: scoreRankers(needs, [projectRanker(items), bigramBaseline(items), bm25Baseline(items)]),
  });
  const plain = run(catalogue, 0);
  const withDistractors = run([...catalogue, ...generateDistractors(distractorCount)], distractorCount);
  return { plain, withDistractors };
}

export const SUBSET_ORDER = ['all', 'trap', 'constraint', ...NEED_CATEGORY_CODES, 'dev (odd ids)', 'held-out (even ids)'];

export function formatTable(run: EvalRun): string {
  const rankers = [PROJECT, 'character-bigram TF-IDF cosine', 'jieba + BM25'];
  const lines = [
    `| subset | needs | ${rankers.map((r) => `${r} nDCG@5 / R@5 / MRR`).join(' | ')} | margin over the better baseline (nDCG@5) |`,
    `|---|---|${rankers.map(() => '---').join('|')}|---|`,
  ];
  for (const subset of SUBSET_ORDER) {
    const row = run.table[subset];
    if (!row) continue;
    const cells = rankers.map((r) => `${row[r].ndcg5.toFixed(3)} / ${row[r].recall5.toFixed(3)} / ${row[r].mrr.toFixed(3)}`);
    const margin = row[PROJECT].ndcg5 - Math.max(row[rankers[1]].ndcg5, row[rankers[2]].ndcg5);
    lines.push(`| ${subset} | ${row[PROJECT].needs} | ${cells.join(' | ')} | ${margin >= 0 ? '+' : ''}${margin.toFixed(3)} |`);
  }
  return lines.join('\n');
}
