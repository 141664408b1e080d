/**
 * `npm run eval:matching:inspect -- [need ids or a category]`: for each need (by default the dev half,
 * odd ids, where the model may be tuned), the project's top 5 beside the judgments and both
 * baselines' nDCG@5, to see why a need loses. The held-out half (even ids) is for reporting only.
 */
import { bigramBaseline, bm25Baseline } from './baselines';
import { loadEvalCatalogue, loadEvalNeeds } from './eval-set';
import { ndcgAt5 } from './metrics';
import { RelevanceModel } from '../src/scoring/relevance-model';

const args = process.argv.slice(2);
const items = loadEvalCatalogue();
const byId = new Map(items.map((i) => [i.id, i]));
const needs = loadEvalNeeds(new Set(byId.keys())).filter((n) =>
  args.length ? args.includes(n.id) || args.includes(n.need.category) || n.subsets.some((s) => args.includes(s)) : Number(n.id.slice(2)) % 2 === 1,
);
const model = new RelevanceModel(items);
const bigram = bigramBaseline(items);
const bm25 = bm25Baseline(items);
for (const n of needs) {
  const ranked = model.rank(n.need, { limit: 5 });
  const ours = ndcgAt5(ranked.map((c) => c.supplyId), n.judgments);
  const b1 = ndcgAt5(bigram.rank(n.need, 5), n.judgments);
  const b2 = ndcgAt5(bm25.rank(n.need, 5), n.judgments);
  if (!args.length && ours >= Math.max(b1, b2)) continue;
  console.log(`\n${n.id} [${n.need.category}] ${n.need.title}  ours ${ours.toFixed(2)} bigram ${b1.toFixed(2)} bm25 ${b2.toFixed(2)}`);
  console.log(`  ${n.need.description.slice(0, 120)}`);
  for (const c of ranked) {
    console.log(`  ${n.judgments[c.supplyId] ?? 0} ${c.supplyId} ${c.score} ${c.name.slice(0, 30)} | ${c.reasons.map((r) => `${r.kind}:${r.contribution}`).join(' ')}`);
  }
  const missed = Object.entries(n.judgments).filter(([id, g]) => g >= 2 && !ranked.some((c) => c.supplyId === id));
  for (const [id, g] of missed) console.log(`  missed ${g} ${id} ${byId.get(id)!.kind} ${byId.get(id)!.name.slice(0, 40)}`);
}
