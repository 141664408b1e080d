/**
 * `npm run bench` (scripts/bench/bench.sh starts the infrastructure if needed and builds first): every
 * figure of the performance issue in ONE run, each beside its baseline on the same broker and store,
 * a table on stdout and bench-results/<timestamp>.json with every raw summary, the sizes, the timings
 * and the machine (cores, memory, load average before and after). Not part of `npm test`.
 *
 * Order: ranking and ranking through the worker thread (no services running yet), then one TestSystem with two instances of every service,
 * on which: POST /needs (scratch intake), event consumption (scratch matching and reporting), the
 * pipeline under load (the system itself), the rebuild of reporting from the topics the load filled,
 * and the 需求征集表 import (its needs flood the pipeline, so it comes after the others); then, with
 * the services stopped, GET /totals (reporting's own benchTotals, which needs only the store and asks
 * the most of it). A figure that fails is an ERROR row (and the exit status is 1); the others still run.
 *
 * Sizes: every one has an environment knob (see SIZES below); BENCH_SMOKE=1 (`npm run bench:smoke`)
 * switches the defaults to tiny ones, to check the harness in a couple of minutes. BENCH_ONLY=a,b
 * runs only the named figures (ranking, ranking-worker, post-needs, consume, pipeline, rebuild, totals, import).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TestSystem } from '@tt/testing';
import { benchRanking, type RankingBenchResult } from '../../services/matching/bench/ranking-latency';
import { benchRankingWorker, type RankingWorkerResult } from '../../services/matching/bench/ranking-worker';
import { benchMatchingConsumption, benchReportingConsumption, type ConsumptionFigure } from './consume';
import { benchNeedsImport } from './needs-import';
import { benchPipelineLoad, type PipelineLoadResult } from './pipeline-load';
import { benchPostNeeds, type PostNeedsResult } from './post-needs';
import { benchRebuild, type RebuildResult } from './rebuild';
import { closeMongo, MONGO_URL, say } from './scratch';
import { atLeast, atMost, errorRow, fmt, goalText, knob, latencyText, ratio, renderNotes, renderTable, row, type FigureRow } from './summary';
import { benchTotalsFigure, type TotalsResult } from './totals';

const SMOKE = process.env.BENCH_SMOKE === '1';
const size = (name: string, full: number, smoke: number, options?: { allowZero?: boolean }) => knob(process.env, name, SMOKE ? smoke : full, options);

/** Every size, with its knob. Full defaults are the issue's; smoke ones only check the harness. */
const SIZES = {
  instances: size('BENCH_INSTANCES', 2, 2),
  rankingItems: size('BENCH_ITEMS', 100_000, 5_000),
  rankingRounds: size('BENCH_ROUNDS', 3, 1),
  httpSeconds: size('BENCH_HTTP_SECONDS', 15, 3),
  httpWarmupSeconds: size('BENCH_HTTP_WARMUP_SECONDS', 3, 1),
  httpConnections: size('BENCH_HTTP_CONNECTIONS', 16, 16),
  consumeEvents: size('BENCH_EVENTS', 10_000, 600),
  consumeTimeoutSeconds: size('BENCH_CONSUME_TIMEOUT_S', 600, 120),
  rate: size('BENCH_RATE', 100, 10),
  seconds: size('BENCH_SECONDS', 60, 8),
  dealEvery: size('BENCH_DEAL_EVERY', 10, 4),
  drainTimeoutSeconds: size('BENCH_DRAIN_TIMEOUT_S', 90, 60),
  lagTimeoutSeconds: size('BENCH_LAG_TIMEOUT_S', 45, 30),
  rebuildTimeoutSeconds: size('BENCH_REBUILD_TIMEOUT_S', 600, 120),
  totalsSmall: size('BENCH_TOTALS_SMALL', 10_000, 100),
  totalsLarge: size('BENCH_TOTALS_LARGE', 1_000_000, 1_000),
  totalsSamples: size('BENCH_TOTALS_SAMPLES', 200, 20),
  totalsBeforeSamplesSmall: size('BENCH_TOTALS_BEFORE_SAMPLES_SMALL', 20, 3),
  // 0 at full size: the old row aggregation over 1,000,000 rows stalls this store's 1 GiB heap for
  // minutes (and is not part of the goal); set it to 1 to time it anyway.
  totalsBeforeSamplesLarge: size('BENCH_TOTALS_BEFORE_SAMPLES_LARGE', 0, 1, { allowZero: true }),
  importRows: size('BENCH_ROWS', 5_000, 40),
  importEnterprises: size('BENCH_ENTERPRISES', 250, 4),
  importBaselineNeeds: size('BENCH_BASELINE_NEEDS', 500, 10),
};

const FIGURES = ['ranking', 'ranking-worker', 'post-needs', 'consume', 'pipeline', 'rebuild', 'totals', 'import'] as const;
type FigureName = (typeof FIGURES)[number];
const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only) if (!(FIGURES as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown figure ${name} (one of ${FIGURES.join(', ')})`);
const wanted = (name: FigureName) => only.length === 0 || only.includes(name);

const n = (x: number) => x.toLocaleString('en-US');
const TABLE_ORDER = ['postNeeds', 'consumeMatching', 'consumeReporting', 'pipeline', 'ranking', 'rankingWorker', 'totals', 'rebuild', 'import'];

/** The goal of each row, also shown when the figure could not be measured. */
const GOALS = {
  postNeeds: goalText([atLeast('req/s ratio', NaN, 0.8), atMost('p99 ratio', NaN, 1.25)]),
  consume: goalText([atLeast('msg/s ratio', NaN, 0.8)]),
  pipeline: goalText([atMost('p50 ratio', NaN, 2), atMost('p99 ratio', NaN, 3), atMost('p99 ms', NaN, 250)]),
  lag: goalText([atMost('seconds', NaN, 5)]),
  ranking: goalText([atMost('p99 ms', NaN, 20)]),
  totals: goalText([atMost('p99 ms', NaN, 20), atMost('ratio', NaN, 1.5)]),
  rebuild: goalText([atLeast('events/s', NaN, 10_000)]),
  import: goalText([atLeast('ratio', NaN, 5)]),
};

function rankingRow(r: RankingBenchResult): FigureRow {
  return row(
    `ranking 1 need vs ${n(r.items)} items`,
    `p99 ${fmt(r.project.p99, 'ms')} (p50 ${fmt(r.project.p50, 'ms')}); model ${r.modelHeapMiB ?? '?'} MiB per instance`,
    `BM25, same segmenter: p99 ${fmt(r.baselineBm25SameSegmenter.p99, 'ms')}`,
    `${fmt(ratio(r.project.p99, r.baselineBm25SameSegmenter.p99))}× p99`,
    [atMost('p99 ms', r.project.p99, 20)],
  );
}

/** The service's ranking (through its worker thread) beside the same ranker in the calling thread, as it ran before. */
function rankingWorkerRows(r: RankingWorkerResult): FigureRow[] {
  const { worker: w, inThread: t } = r;
  return [
    row(
      `ranking 1 need vs ${n(r.items)} items, through the worker thread`,
      `p99 ${fmt(w.rank.p99, 'ms')} (p50 ${fmt(w.rank.p50, 'ms')})`,
      `in the service's thread: p99 ${fmt(t.rank.p99, 'ms')} (p50 ${fmt(t.rank.p50, 'ms')})`,
      `${fmt(ratio(w.rank.p99, t.rank.p99))}× p99`,
      [atMost('p99 ms', w.rank.p99, 20)],
    ),
    row(
      `event loop held while the model of ${n(r.items)} items is read and built`,
      `${fmt(w.loopHeldDuringBuildMs, 'ms')} (build ${fmt(w.buildSeconds, 's')})`,
      `in the service's thread: ${fmt(t.loopHeldDuringBuildMs, 'ms')} (build ${fmt(t.buildSeconds, 's')})`,
      `1/${fmt(ratio(t.loopHeldDuringBuildMs, w.loopHeldDuringBuildMs))}`,
      [],
    ),
  ];
}

function postNeedsRow(r: PostNeedsResult): FigureRow {
  return row(
    `POST /needs (${SIZES.httpConnections} conn, ${SIZES.httpSeconds} s)`,
    `${fmt(r.intake.requestsPerSecond)} req/s, p99 ${fmt(r.intake.latencyMs.p99, 'ms')}`,
    `bare node:http: ${fmt(r.baseline.requestsPerSecond)} req/s, p99 ${fmt(r.baseline.latencyMs.p99, 'ms')}`,
    `${fmt(r.ratio.requestsPerSecond)}× req/s, ${fmt(r.ratio.p99)}× p99`,
    [atLeast('req/s ratio', r.ratio.requestsPerSecond, 0.8), atMost('p99 ratio', r.ratio.p99, 1.25)],
  );
}

function consumeRow(label: string, f: ConsumptionFigure): FigureRow {
  return row(
    `${label} (${n(f.events)} events)`,
    `${fmt(f.ours.msgPerSecond)} msg/s${f.ours.coarse ? ' (coarse)' : ''}`,
    `raw eachBatch: ${fmt(f.baseline.msgPerSecond)} msg/s${f.baseline.coarse ? ' (coarse)' : ''}`,
    `${fmt(f.ratio)}×`,
    [atLeast('msg/s ratio', f.ratio, 0.8)],
  );
}

function pipelineRows(r: PipelineLoadResult): FigureRow[] {
  const chain = r.chain.full;
  const load = `${r.rate}/s for ${r.seconds} s, ${r.instancesPerService.intake ?? '?'} instances each`;
  const latencyRow = (label: string, s: { p50Ms: number; p99Ms: number; missing: number }): FigureRow =>
    r.chain.full.missing > 0
      ? {
          // A baseline that lost messages is no baseline: the value stays, the comparison is refused.
          figure: `${label} (${load})`,
          value: `${latencyText(s)}${s.missing ? `, ${s.missing} never arrived` : ''}`,
          baseline: `raw chain: ${r.chain.full.missing} of ${r.chain.offered} never arrived`,
          ratio: '—',
          goal: GOALS.pipeline,
          met: 'ERROR',
          error: `the raw chain baseline did not deliver ${r.chain.full.missing} of ${r.chain.offered} messages within the drain timeout: no comparison`,
        }
      : row(
          `${label} (${load})`,
          `${latencyText(s)}${s.missing ? `, ${s.missing} never arrived` : ''}`,
          `raw chain: ${latencyText(chain)}`,
          `p50 ${fmt(ratio(s.p50Ms, chain.p50Ms))}×, p99 ${fmt(ratio(s.p99Ms, chain.p99Ms))}×`,
          [atMost('p50 ratio', ratio(s.p50Ms, chain.p50Ms), 2), atMost('p99 ratio', ratio(s.p99Ms, chain.p99Ms), 3), atMost('p99 ms', s.p99Ms, 250)],
        );
  const lag = r.services.lag;
  const lagSeconds = lag.backToZeroMs === null ? Infinity : lag.backToZeroMs / 1000;
  return [
    latencyRow('need captured → match proposed', r.services.needCapturedToMatchProposed),
    latencyRow(`contract registered → totals updated (1 in ${r.services.sample.every} needs)`, r.services.contractRegisteredToTotalsUpdated),
    row(
      'consumer lag back to 0 after the load',
      lag.backToZeroMs === null ? `not within ${SIZES.lagTimeoutSeconds} s` : `${fmt(lagSeconds, 's')} (max lag ${n(lag.maxTotalLag)})`,
      '—',
      '—',
      [atMost('seconds', lagSeconds, 5)],
    ),
  ];
}

function rebuildRow(r: RebuildResult): FigureRow {
  return row(
    `rebuild reporting (${n(r.records)} records)`,
    `${fmt(r.eventsPerSecond)} events/s${r.coarse ? ' (coarse)' : ''}`,
    `one key at a time per partition: ${fmt(r.oneKeyAtATime.eventsPerSecond)} events/s`,
    `${fmt(ratio(r.eventsPerSecond, r.oneKeyAtATime.eventsPerSecond))}×`,
    [atLeast('events/s', r.eventsPerSecond, 10_000)],
  );
}

function totalsRow(r: TotalsResult): FigureRow {
  const within = Number.isFinite(r.ratio) ? r.ratio : ratio(r.large.p99Ms, r.small.p99Ms);
  return row(
    `GET /totals at ${n(SIZES.totalsLarge)} transactions`,
    `p99 ${fmt(r.large.p99Ms, 'ms')} (p50 ${fmt(r.large.p50Ms, 'ms')})`,
    `at ${n(SIZES.totalsSmall)}: p99 ${fmt(r.small.p99Ms, 'ms')}`,
    `${fmt(within)}×`,
    [atMost('p99 ms', r.large.p99Ms, 20), atMost('ratio', within, 1.5)],
  );
}

function importRow(r: Awaited<ReturnType<typeof benchNeedsImport>>): FigureRow {
  return row(
    `需求征集表 import of ${n(r.rows)} rows`,
    `${fmt(r.import.needsPerSecond)} needs/s (${fmt(r.import.seconds, 's')})`,
    `POST /needs one by one: ${fmt(r.baseline.needsPerSecond)} needs/s`,
    `${fmt(r.importRateVsBaseline)}×`,
    [atLeast('ratio', r.importRateVsBaseline, 5)],
  );
}

/** The direct children of this process still running (service processes a failed start left behind). */
function killLeftoverChildren(): void {
  let pids: number[] = [];
  try {
    pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return; // none (ps exits 1 when nothing matches)
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
      console.error(`killed leftover child process ${pid}`);
    } catch {
      // already gone (e.g. the ps itself)
    }
  }
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const when = new Date().toISOString();
  const loadAvgBefore = loadavg();
  const measured: { name: string; rows: FigureRow[] }[] = [];
  const figures: Record<string, unknown> = {};
  const timings: Record<string, number> = {};
  const errors: Record<string, string> = {};

  const dir = join(REPO_ROOT, 'bench-results');
  const file = join(dir, `${when.replace(/[:.]/g, '-')}${SMOKE ? '-smoke' : ''}.json`);
  /** The table in the issue's order, whatever the order they were measured in. */
  const tableRows = () => TABLE_ORDER.flatMap((name) => measured.filter((m) => m.name === name).flatMap((m) => m.rows));
  /**
   * Writes the results so far: after every figure (`complete: false`), so a run that is stopped or
   * runs out of time keeps what it measured, and once more at the end.
   */
  const save = (complete: boolean) => {
    const result = {
      when,
      complete,
      smoke: SMOKE,
      only: only.length ? only : undefined,
      durationSeconds: (Date.now() - startedAt) / 1000,
      machine: {
        cores: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        loadAvgBeforeBuild: process.env.BENCH_LOADAVG_BEFORE_BUILD?.split(' ').slice(0, 3).map(Number),
        loadAvgBefore,
        loadAvgAfter: loadavg(),
        node: process.version,
      },
      sizes: SIZES,
      timingsSeconds: timings,
      table: tableRows(),
      figures,
      errors,
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2));
    return result;
  };

  /** Runs one figure; its failure becomes ERROR rows (the run goes on), its time is recorded, the results so far saved. */
  const measure = async <T>(name: string, labels: { figure: string; goal: string }[], work: () => Promise<T>, toRows: (r: T) => FigureRow[]) => {
    const t0 = Date.now();
    try {
      const result = await work();
      figures[name] = result;
      measured.push({ name, rows: toRows(result) });
    } catch (error) {
      errors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`[bench] ${name} failed: ${errors[name]}`);
      measured.push({ name, rows: labels.map((l) => errorRow(l.figure, l.goal, error)) });
    } finally {
      timings[name] = (Date.now() - t0) / 1000;
      save(false);
      say(`${name}: ${measured.filter((m) => m.name === name).flatMap((m) => m.rows).map((r) => `${r.figure}: ${r.value} (baseline ${r.baseline}; ${r.ratio}; ${r.met})`).join(' | ')} (saved to ${file})`);
    }
  };

  say(`${SMOKE ? 'SMOKE run (tiny sizes: checks the harness, the figures mean nothing)' : 'full run'}; sizes ${JSON.stringify(SIZES)}`);
  if (wanted('ranking')) {
    say(`ranking: ${n(SIZES.rankingItems)} items, ${SIZES.rankingRounds} rounds`);
    await measure('ranking', [{ figure: `ranking 1 need vs ${n(SIZES.rankingItems)} items`, goal: GOALS.ranking }], () => benchRanking({ items: SIZES.rankingItems, rounds: SIZES.rankingRounds }), (r) => [rankingRow(r)]);
    (globalThis as { gc?: () => void }).gc?.();
  }
  if (wanted('ranking-worker')) {
    say(`ranking through the worker thread: ${n(SIZES.rankingItems)} items written to a scratch database, ${SIZES.rankingRounds} rounds`);
    const labels = [`ranking 1 need vs ${n(SIZES.rankingItems)} items, through the worker thread`, `event loop held while the model of ${n(SIZES.rankingItems)} items is read and built`];
    await measure('rankingWorker', labels.map((figure, i) => ({ figure, goal: i === 0 ? GOALS.ranking : '' })), () => benchRankingWorker({ items: SIZES.rankingItems, rounds: SIZES.rankingRounds, mongoUrl: MONGO_URL }), rankingWorkerRows);
    (globalThis as { gc?: () => void }).gc?.();
  }

  const needsSystem = FIGURES.some((f) => f !== 'ranking' && f !== 'ranking-worker' && f !== 'totals' && wanted(f));
  let system: TestSystem | undefined;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    console.error(`[bench] ${signal}: stopping the services`);
    killLeftoverChildren();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    let systemError: unknown;
    if (needsSystem) {
      say(`starting the services: ${SIZES.instances} instances of each`);
      const t0 = Date.now();
      try {
        system = await TestSystem.start({ instances: SIZES.instances, env: { intake: { RATE_LIMIT: '1000000/1m' } } });
        say(`services up in ${((Date.now() - t0) / 1000).toFixed(1)} s (run ${system.runId})`);
      } catch (error) {
        systemError = error;
        console.error(`[bench] the services did not start: ${error}`);
        killLeftoverChildren(); // the instances that did start
      }
      timings.systemStart = (Date.now() - t0) / 1000;
    }
    /** The running system; each figure that needs it fails (an ERROR row) when it did not start. */
    const sys = () => {
      if (!system) throw new Error(`the services did not start: ${systemError instanceof Error ? systemError.message : String(systemError)}`);
      return system;
    };
    if (wanted('post-needs')) {
      await measure(
        'postNeeds',
        [{ figure: 'POST /needs', goal: GOALS.postNeeds }],
        () => benchPostNeeds(sys(), { seconds: SIZES.httpSeconds, connections: SIZES.httpConnections, warmupSeconds: SIZES.httpWarmupSeconds }),
        (r) => [postNeedsRow(r)],
      );
    }
    if (wanted('consume')) {
      const options = { events: SIZES.consumeEvents, timeoutMs: SIZES.consumeTimeoutSeconds * 1000 };
      await measure('consumeMatching', [{ figure: 'consumption: need captured in matching', goal: GOALS.consume }], () => benchMatchingConsumption(sys(), options), (f) => [consumeRow('consumption: need captured in matching', f)]);
      await measure('consumeReporting', [{ figure: 'consumption: transaction logged in reporting', goal: GOALS.consume }], () => benchReportingConsumption(sys(), options), (f) => [
        consumeRow('consumption: transaction logged in reporting', f),
      ]);
    }
    if (wanted('pipeline')) {
      await measure(
        'pipeline',
        [
          { figure: 'need captured → match proposed', goal: GOALS.pipeline },
          { figure: 'contract registered → totals updated', goal: GOALS.pipeline },
          { figure: 'consumer lag back to 0 after the load', goal: GOALS.lag },
        ],
        () =>
          benchPipelineLoad(sys(), {
            rate: SIZES.rate,
            seconds: SIZES.seconds,
            dealEvery: SIZES.dealEvery,
            drainTimeoutMs: SIZES.drainTimeoutSeconds * 1000,
            lagTimeoutMs: SIZES.lagTimeoutSeconds * 1000,
          }),
        pipelineRows,
      );
    }
    if (wanted('rebuild')) {
      await measure('rebuild', [{ figure: 'rebuild reporting from the topics', goal: GOALS.rebuild }], () => benchRebuild(sys(), { timeoutMs: SIZES.rebuildTimeoutSeconds * 1000 }), (r) => [rebuildRow(r)]);
    }
    if (wanted('import')) {
      say(`import: ${n(SIZES.importRows)} rows, baseline ${n(SIZES.importBaselineNeeds)} needs one by one`);
      await measure(
        'import',
        [{ figure: `需求征集表 import of ${n(SIZES.importRows)} rows`, goal: GOALS.import }],
        () => benchNeedsImport(sys(), { rows: SIZES.importRows, enterprises: SIZES.importEnterprises, baselineNeeds: SIZES.importBaselineNeeds }),
        (r) => [importRow(r)],
      );
    }
  } finally {
    if (system) {
      say('stopping the services');
      await system.stop().catch((error) => console.error(`[bench] stopping the services: ${error}`));
    }
    killLeftoverChildren();
  }

  // Last, with the services stopped: it needs only the store, and seeding a million rows is the
  // heaviest thing this run asks of it (the local MongoDB-wire server has a 1 GiB heap).
  try {
    if (wanted('totals')) {
      say(`GET /totals: ${n(SIZES.totalsSmall)} and ${n(SIZES.totalsLarge)} transactions`);
      await measure(
        'totals',
        [{ figure: `GET /totals at ${n(SIZES.totalsLarge)} transactions`, goal: GOALS.totals }],
        () =>
          benchTotalsFigure({
            mongoUrl: MONGO_URL,
            small: SIZES.totalsSmall,
            large: SIZES.totalsLarge,
            samples: SIZES.totalsSamples,
            beforeSamples: { small: SIZES.totalsBeforeSamplesSmall, large: SIZES.totalsBeforeSamplesLarge },
          }),
        (r) => [totalsRow(r)],
      );
    }
  } finally {
    await closeMongo();
  }

  const result = save(true);
  const rows = result.table;
  console.log('');
  if (SMOKE) console.log('SMOKE RUN: tiny sizes, the figures below only show that the harness works.');
  console.log(renderTable(rows));
  const notes = renderNotes(rows);
  if (notes.length) console.log(`\n${notes.map((l) => `- ${l}`).join('\n')}`);
  console.log(
    `\nmachine: ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, load ${loadAvgBefore.map((x) => x.toFixed(2)).join(' ')} → ${result.machine.loadAvgAfter.map((x) => x.toFixed(2)).join(' ')}; ${result.durationSeconds.toFixed(0)} s in all`,
  );
  console.log(`timings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
  console.log(`written to ${file}`);
  return Object.keys(errors).length > 0 || rows.some((r) => r.met === 'ERROR') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    killLeftoverChildren();
    process.exit(1);
  },
);

