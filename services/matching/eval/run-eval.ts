/**
 * `npm run eval:matching`: the evaluation set through the real ranking code and both baselines, with
 * and without 5,000 generated distractors (EVAL_DISTRACTORS to change). Prints the tables and writes
 * them to .infra/eval/matching-<timestamp>.json (and matching-latest.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { MODEL_VERSION } from '../src/scoring/model-params';
import { domainLexicon } from '../src/scoring/domain-lexicon';
import { formatTable, runEvaluation } from './evaluate';

const distractors = Number(process.env.EVAL_DISTRACTORS ?? 5000);
const started = Date.now();
const { plain, withDistractors, replay } = runEvaluation(distractors);
const out = {
  at: new Date().toISOString(),
  modelVersion: MODEL_VERSION,
  lexiconVersion: domainLexicon().version,
  machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
  seconds: (Date.now() - started) / 1000,
  plain,
  withDistractors,
  replay,
};
console.log(`Matching evaluation, model ${MODEL_VERSION}, lexicon ${out.lexiconVersion}`);
console.log(`\n${plain.items} items (${(plain.hardNegativeShare * 100).toFixed(0)} % hard negatives), ${plain.needs} needs:\n`);
console.log(formatTable(plain));
console.log(`\nWith ${distractors} generated distractors (${withDistractors.items} items):\n`);
console.log(formatTable(withDistractors));
const f = (s: { ndcg5: number; recall5: number; mrr: number }) => `${s.ndcg5.toFixed(3)} / ${s.recall5.toFixed(3)} / ${s.mrr.toFixed(3)}`;
console.log(`\nDecisions replayed (${replay.decisions} simulated decisions on the dev half, held-out half ranked, nDCG@5 / R@5 / MRR):`);
console.log(`| held-out needs | without feedback | with feedback |\n|---|---|---|\n| ${replay.without.needs} | ${f(replay.without)} | ${f(replay.with)} |`);
const dir = join(process.cwd(), '.infra', 'eval');
mkdirSync(dir, { recursive: true });
const file = join(dir, `matching-${out.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(out, null, 2));
writeFileSync(join(dir, 'matching-latest.json'), JSON.stringify(out, null, 2));
console.log(`\nwritten to ${file} (${out.seconds.toFixed(1)} s)`);
