/**
 * `npm run bench:matching`: ranking one need against a catalogue of BENCH_ITEMS (default 100,000)
 * items: the evaluation set's items plus generated distractors. Reports p50/p99 per need for the
 * project's model beside a baseline measured in the same run (the same segmenter and a plain BM25
 * index over the same items, called directly), the build time and the memory the model takes (what
 * each matching instance holds for such a catalogue). Results go to bench-results/matching-<timestamp>.json.
 *
 * `benchRanking` is also one figure of `npm run bench` (scripts/bench/run-all.ts, run with
 * --expose-gc), which calls it first, before it starts the services.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { MODEL_VERSION } from '../src/scoring/model-params';
import { RelevanceModel } from '../src/scoring/relevance-model';
import { bm25Baseline } from '../eval/baselines';
import { generateDistractors } from '../eval/distractors';
import { loadEvalCatalogue, loadEvalNeeds } from '../eval/eval-set';

export interface RankingBenchOptions {
  /** Catalogue size (default 100,000). */
  items?: number;
  /** Passes over the evaluation needs (default 3). */
  rounds?: number;
}

export interface RankingTimes {
  p50: number;
  p99: number;
  max: number;
}

export interface RankingBenchResult {
  at: string;
  modelVersion: string;
  machine: { cores: number; memoryGiB: number; loadBefore: number[]; loadAfter: number[] };
  items: number;
  needs: number;
  rankings: number;
  buildSeconds: number;
  /** The model's memory (JS heap + typed arrays), measured around its build with forced GCs; null without --expose-gc. */
  modelHeapMiB: number | null;
  rssMiB: number;
  project: RankingTimes;
  baselineBm25SameSegmenter: RankingTimes;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The benchmark's catalogue: the evaluation set's items plus generated distractors up to `total`, and the evaluation needs. */
export function benchCatalogue(total: number) {
  const evalItems = loadEvalCatalogue();
  const needs = loadEvalNeeds(new Set(evalItems.map((i) => i.id)));
  return { items: [...evalItems, ...generateDistractors(Math.max(0, total - evalItems.length))], needs };
}

/** Ranks every evaluation need `rounds` times with the project's model and with plain BM25, alternating. */
export async function benchRanking({ items: total = 100_000, rounds = 3 }: RankingBenchOptions = {}): Promise<RankingBenchResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const loadBefore = loadavg();
  const { items, needs } = benchCatalogue(total);

  // The model keeps its indexes in typed arrays (counted in arrayBuffers, outside the JS heap).
  const modelMemory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  gc?.();
  const heapBefore = modelMemory();
  let model!: RelevanceModel;
  const buildMs = time(() => (model = new RelevanceModel(items)));
  gc?.();
  const modelHeapMiB = (modelMemory() - heapBefore) / 2 ** 20;
  const baseline = bm25Baseline(items);

  const ours: number[] = [];
  const raw: number[] = [];
  for (const n of needs.slice(0, 10)) {
    model.rank(n.need, { limit: 5 }); // warm-up
    baseline.rank(n.need, 5);
  }
  for (let r = 0; r < rounds; r++) {
    for (const n of needs) {
      ours.push(time(() => model.rank(n.need, { limit: 5 })));
      raw.push(time(() => baseline.rank(n.need, 5)));
    }
  }
  ours.sort((a, b) => a - b);
  raw.sort((a, b) => a - b);
  return {
    at: new Date().toISOString(),
    modelVersion: MODEL_VERSION,
    machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), loadBefore, loadAfter: loadavg() },
    items: items.length,
    needs: needs.length,
    rankings: ours.length,
    buildSeconds: buildMs / 1000,
    modelHeapMiB: gc ? Math.round(modelHeapMiB) : null,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    project: { p50: percentile(ours, 50), p99: percentile(ours, 99), max: ours[ours.length - 1] },
    baselineBm25SameSegmenter: { p50: percentile(raw, 50), p99: percentile(raw, 99), max: raw[raw.length - 1] },
  };
}

async function main() {
  const result = await benchRanking({ items: Number(process.env.BENCH_ITEMS ?? 100_000), rounds: Number(process.env.BENCH_ROUNDS ?? 3) });
  const fmt = (x: number) => `${x.toFixed(2)} ms`;
  console.log(`ranking one need against ${result.items} items (${result.rankings} rankings, model ${result.modelVersion})`);
  console.log(`| ranker | p50 | p99 | max |\n|---|---|---|---|`);
  console.log(`| this project | ${fmt(result.project.p50)} | ${fmt(result.project.p99)} | ${fmt(result.project.max)} |`);
  console.log(`| baseline: plain BM25, same segmenter | ${fmt(result.baselineBm25SameSegmenter.p50)} | ${fmt(result.baselineBm25SameSegmenter.p99)} | ${fmt(result.baselineBm25SameSegmenter.max)} |`);
  console.log(
    `model build ${result.buildSeconds.toFixed(1)} s, model ${result.modelHeapMiB ?? 'run with --expose-gc to measure'} MiB (heap + typed arrays), process RSS ${result.rssMiB} MiB`,
  );
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `matching-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`written to ${file}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
