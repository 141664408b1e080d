/**
 * `npm run eval:matching:tune`: a small grid over the model's parameters (MODEL_PARAMS), scored on the
 * evaluation set's dev half only (odd ids), so the held-out half stays a fair report. Prints the best
 * settings; it changes nothing: copy what convinces you into MODEL_PARAMS and bump MODEL_VERSION.
 */
import { MODEL_PARAMS, type ModelParams } from '../src/scoring/model-params';
import { RelevanceModel } from '../src/scoring/relevance-model';
import { loadEvalCatalogue, loadEvalNeeds } from './eval-set';
import { ndcgAt5 } from './metrics';

const items = loadEvalCatalogue();
const dev = loadEvalNeeds(new Set(items.map((i) => i.id))).filter((n) => Number(n.id.slice(2)) % 2 === 1);

function devNdcg(params: Partial<ModelParams>): number {
  const model = new RelevanceModel(items, { params });
  return dev.reduce((s, n) => s + ndcgAt5(model.rank(n.need, { limit: 5 }).map((c) => c.supplyId), n.judgments), 0) / dev.length;
}

const grid: { label: string; params: Partial<ModelParams> }[] = [];
for (const wordShare of [0.5, 0.6, 0.7, 0.8]) {
  for (const textGate of [0.15, 0.25, 0.4]) {
    for (const context of [0.6, 1]) {
      const w = MODEL_PARAMS.weights;
      const scaled = { ...w, field: w.field * context, region: w.region * context, maturity: w.maturity * context, budget: w.budget * context, eligibility: w.eligibility * context, cooperation: w.cooperation * context };
      const freed = Object.values(w).reduce((a, b) => a + b, 0) - Object.values(scaled).reduce((a, b) => a + b, 0);
      grid.push({ label: `wordShare ${wordShare} textGate ${textGate} context ×${context}`, params: { wordShare, textGate, weights: { ...scaled, text: w.text + freed } } });
    }
  }
}
const results = grid.map((g) => ({ ...g, ndcg: devNdcg(g.params) })).sort((a, b) => b.ndcg - a.ndcg);
console.log(`dev half: ${dev.length} needs; current MODEL_PARAMS: ${devNdcg({}).toFixed(4)}`);
for (const r of results.slice(0, 10)) console.log(`${r.ndcg.toFixed(4)}  ${r.label}`);
