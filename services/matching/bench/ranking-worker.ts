/**
 * What moving the ranking off the event loop costs and gains (one figure of `npm run bench`, after the
 * ranking figure, before the services start): a catalogue of BENCH_ITEMS (default 100,000) items, as
 * the ranking bench builds it, is written to a scratch database, then
 * - the service's way: a WorkerRanker (the worker thread reads the catalogue from the store, builds the
 *   model, and ranks each evaluation need, round trip from this thread);
 * - the baseline, in the same run: the same InProcessRanker in this thread (the way the service ran
 *   before), over the same store read, ranking the same needs (both models held at once: the
 *   rankings alternate need by need).
 * For each: the time to read and build, the longest this thread's event loop was held meanwhile (what
 * a Kafka heartbeat, an HTTP request or a BullMQ lock renewal waits; `monitorEventLoopDelay`), and
 * the ranking p50/p99 and the longest hold while ranking (the loop is let go between two needs, as
 * jobs interleave with other work). The worker is started from TypeScript here (the service runs it
 * compiled), so its first build also compiles its modules. `npm run bench:matching-worker` runs it alone (the infrastructure up).
 */
import { MongoClient } from 'mongodb';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InProcessRanker, type CatalogueRanker, type StoredSupplyItem } from '../src/scoring/catalogue-ranker';
import { WorkerRanker } from '../src/scoring/worker-ranker';
import { benchCatalogue, percentile } from './ranking-latency';

export interface RankerRun {
  /** Read from the store and build, from the first request to its answer. */
  buildSeconds: number;
  /** The longest this thread's event loop was held while the model was read and built (ms). */
  loopHeldDuringBuildMs: number;
  /** The longest it was held while the needs were ranked (ms). */
  loopHeldDuringRankingMs: number;
  rank: { p50: number; p99: number; max: number };
}

export interface RankingWorkerResult {
  items: number;
  needs: number;
  rankings: number;
  seedSeconds: number;
  worker: RankerRun;
  inThread: RankerRun;
}

const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const RESOLUTION_MS = 5;
/** Lets timers run: a delay is recorded by a timer that fires late, so it must get to fire before the histogram is read. */
const letTimersRun = () => new Promise((resolve) => setTimeout(resolve, 4 * RESOLUTION_MS));

/** Runs `work` while sampling this thread's event-loop delay; the longest delay seen, in ms. */
async function holding<T>(work: () => Promise<T>): Promise<{ value: T; heldMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  try {
    await letTimersRun();
    const value = await work();
    await letTimersRun();
    return { value, heldMs: delay.max / 1e6 };
  } finally {
    delay.disable();
  }
}

type Needs = ReturnType<typeof benchCatalogue>['needs'];
/** Yields to the event loop: one job's ranking at a time, as jobs interleave with other work. */
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Reads and builds the model (timed, with the loop's longest hold), then warms it with one pass over the needs. */
async function built(ranker: CatalogueRanker, changes: number, needs: Needs): Promise<{ buildSeconds: number; heldMs: number }> {
  const start = process.hrtime.bigint();
  const { heldMs } = await holding(() => ranker.size(changes));
  const buildSeconds = since(start) / 1000;
  // The worker's isolate compiles the ranking afresh, where this thread's may already have it hot.
  for (const n of needs) await ranker.rank(changes, n.need, { limit: 5 });
  return { buildSeconds, heldMs };
}

/** The loop's longest hold over one pass of the needs, one ranking at a time. */
async function heldWhileRanking(ranker: CatalogueRanker, changes: number, needs: Needs): Promise<number> {
  return (
    await holding(async () => {
      for (const n of needs) {
        await ranker.rank(changes, n.need, { limit: 5 });
        await yieldLoop();
      }
    })
  ).heldMs;
}

const timesOf = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
};

export async function benchRankingWorker({ items: total = 100_000, rounds = 3, mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false' } = {}): Promise<RankingWorkerResult> {
  const { items, needs } = benchCatalogue(total);
  const mongoDb = `bench_ranking_worker_${Date.now().toString(36)}`;
  const collection = 'supply_items';
  const client = await new MongoClient(mongoUrl).connect();
  const worker = new WorkerRanker({ mongoUrl, mongoDb, collection }, 1024);
  try {
    const docs = client.db(mongoDb).collection<StoredSupplyItem>(collection);
    const seedStart = process.hrtime.bigint();
    for (let i = 0; i < items.length; i += 5_000) {
      await docs.insertMany(items.slice(i, i + 5_000).map(({ id, ...content }) => ({ _id: id, ...content, status: 'active' as const, revision: 0 })));
    }
    const seedSeconds = since(seedStart) / 1000;
    const changes = items.length;
    const inThread = new InProcessRanker(() => docs.find({}, { projection: { outbox: 0 } }).toArray());
    const workerBuild = await built(worker, changes, needs);
    const inThreadBuild = await built(inThread, changes, needs);
    const held = { worker: await heldWhileRanking(worker, changes, needs), inThread: await heldWhileRanking(inThread, changes, needs) };
    // Latencies alternate need by need, so neither side runs while the store is busier (it just took 100,000 inserts).
    const times = { worker: [] as number[], inThread: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const n of needs) {
        for (const [side, ranker] of [['worker', worker], ['inThread', inThread]] as const) {
          const t = process.hrtime.bigint();
          await ranker.rank(changes, n.need, { limit: 5 });
          times[side].push(since(t));
          await yieldLoop();
        }
      }
    }
    const run = (b: { buildSeconds: number; heldMs: number }, heldRanking: number, t: number[]): RankerRun => ({
      buildSeconds: b.buildSeconds,
      loopHeldDuringBuildMs: b.heldMs,
      loopHeldDuringRankingMs: heldRanking,
      rank: timesOf(t),
    });
    return {
      items: items.length,
      needs: needs.length,
      rankings: needs.length * rounds,
      seedSeconds,
      worker: run(workerBuild, held.worker, times.worker),
      inThread: run(inThreadBuild, held.inThread, times.inThread),
    };
  } finally {
    await worker.close();
    await client.db(mongoDb).dropDatabase().catch(() => undefined);
    await client.close();
  }
}

if (require.main === module) {
  benchRankingWorker({ items: Number(process.env.BENCH_ITEMS ?? 100_000), rounds: Number(process.env.BENCH_ROUNDS ?? 3) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
