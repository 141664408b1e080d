/**
 * `GET /totals` latency at 10,000 and 1,000,000 logged transactions (the issue "Throughput"):
 *
 *   node -r @swc-node/register services/reporting/bench/totals-latency.ts
 *   BENCH_SMALL=10000 BENCH_LARGE=100000 BENCH_SAMPLES=100 node -r @swc-node/register services/reporting/bench/totals-latency.ts
 *
 * For each size, a database of its own (dropped at the end) is seeded in bulk: transaction rows with
 * realistic variety (20 parks, 24 months over two years, the real breakdown keys from @tt/contracts,
 * some rows from before the registry record was kept, some revoked) and the roll-ups summed from
 * those rows through the same projection code the service uses (contributionOf, rollupDeltas). Then
 * `TotalsQueries.totals(year)` and `totals(year, parkId)` are timed on mongoose models directly (no
 * HTTP), beside the previous implementation (`rowAggregationTotals`: the aggregations over the rows
 * that `totals()` ran before the roll-ups, kept here as the "before"), whose answer must be the same.
 * Results go to bench-results/totals-<timestamp>.json. MONGO_URL as for the services.
 *
 * The rows carry no `record` (the registry record, about 1 kB in a real row): the old aggregations
 * never read it, and leaving it out makes their figures a lower bound.
 *
 * The old aggregations are sampled at the large size only when asked (BENCH_BASELINE_LARGE, default 0):
 * the local MongoDB-wire server materialises a `$group`'s input on its heap (about 3.5 kB a row), so at
 * 1,000,000 rows one call (17 aggregations of ~500,000 rows each) exhausts its 1 GB heap, after which it
 * stops accepting connections until restarted. Never on a shared server; at 100,000 a call takes ~45 s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection, type Model } from 'mongoose';
import {
  CONTRACT_SUBTYPES,
  CONTRACT_TYPE_CODES,
  IP_TYPE_CODES,
  PARTY_NATURE_CODES,
  REGISTRY_TECHNICAL_FIELD_CODES,
  SOCIOECONOMIC_OBJECTIVES,
  TECHNICAL_FIELDS,
} from '@tt/contracts';
import { FunnelService } from '../src/funnel/funnel.service';
import { FUNNEL_MODEL, FunnelStageSchema, type FunnelStageRow } from '../src/funnel/funnel.schema';
import { DIMENSIONS, type Dimension } from '../src/totals/dimensions';
import { contributionOf, rollupDeltas, type RollupDoc } from '../src/totals/rollup';
import { ROLLUP_MODEL, RollupSchema } from '../src/totals/rollup.schema';
import { TotalsQueries, totalsReport, type Amounts } from '../src/totals/totals.queries';
import { TransactionsRepository } from '../src/totals/transactions.repository';
import { TRANSACTION_MODEL, TransactionSchema, type Transaction } from '../src/totals/transaction.schema';

export interface LatencyFigures {
  n: number;
  p50Ms: number;
  p99Ms: number;
}
export interface SizeResult extends LatencyFigures {
  /** `totals(year)` (every park) and `totals(year, parkId)`; p50/p99 above are over both. */
  allParks: LatencyFigures & { max: number };
  onePark: LatencyFigures & { max: number };
  /** The same calls answered by the aggregations over the rows (before the roll-ups); null: not sampled. */
  before: { samples: number; allParks: (LatencyFigures & { max: number }) | null; onePark: (LatencyFigures & { max: number }) | null };
  rollupDocs: number;
  seedSeconds: number;
  /** The roll-ups' answer equals the row aggregations' (null: not compared, no baseline sampled). */
  sameAnswer: boolean | null;
}
export interface TotalsBenchResult {
  at: string;
  machine: { cores: number; loadBefore: number[]; loadAfter: number[] };
  year: number;
  small: SizeResult;
  large: SizeResult;
  /** large.p99Ms / small.p99Ms (goal: ≤ 1.5, and large.p99Ms ≤ 20). */
  ratio: number;
}

export interface TotalsBenchOptions {
  mongoUrl?: string;
  small?: number;
  large?: number;
  /** Timed calls of each kind (every park, one park) per size. */
  samples?: number;
  /** Timed calls of the old row aggregations per size, alternately every park and one park (each scans every row; large: 0 by default, see above). */
  baselineSamples?: { small: number; large: number };
  log?: (line: string) => void;
}

const YEAR = 2026;
const PARKS = Array.from({ length: 20 }, (_, i) => `park-${String(i + 1).padStart(2, '0')}`);
/** Districts (GB/T 2260) the parks' enterprises are in: each park has its own, and enterprises from elsewhere. */
const DISTRICTS = ['320506', '320505', '320508', '320571', '330108', '330106', '330212', '310115', '310104', '310112', '110108', '110105', '440305', '440306', '420111', '510107', '610113', '370102', '350203', '120116'];
const PROVINCES = ['110000', '120000', '130000', '310000', '320000', '330000', '340000', '350000', '360000', '370000', '410000', '420000', '430000', '440000', '450000', '500000', '510000', '610000', '210000', '220000', '230000', '140000', '150000', '460000', '520000', '530000', '620000', '630000', '640000', '650000', '540000'];
const OVERSEAS = ['overseas-US', 'overseas-DE', 'overseas-JP', 'overseas-SG'];
const SUBTYPES_BY_TYPE = new Map(CONTRACT_TYPE_CODES.map((type) => [type, Object.entries(CONTRACT_SUBTYPES).filter(([, s]) => s.type === type).map(([code]) => code)]));
const FIELDS = Object.keys(TECHNICAL_FIELDS);
const OBJECTIVES = Object.keys(SOCIOECONOMIC_OBJECTIVES);

/** A small deterministic generator (mulberry32), so two runs seed the same rows. */
function generator(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

/** The i-th generated transaction row, as reporting stores it (without `record`). */
export function benchRow(i: number, rnd = generator(i + 1)): Transaction {
  const park = PARKS[i % PARKS.length];
  const home = DISTRICTS[PARKS.indexOf(park)];
  const year = rnd.next() < 0.5 ? YEAR - 1 : YEAR;
  const month = String(1 + rnd.int(12)).padStart(2, '0');
  const registeredOn = `${year}-${month}-${String(1 + rnd.int(28)).padStart(2, '0')}`;
  const contractType = rnd.pick(CONTRACT_TYPE_CODES);
  const contractAmountFen = 10_000 * (10 + rnd.int(rnd.next() < 0.9 ? 50_000 : 2_000_000));
  const withRecord = rnd.next() > 0.1; // one in ten logged before the registry record was kept
  const row: Transaction = {
    _id: `deal-${String(i).padStart(8, '0')}`,
    transactionId: `deal-${String(i).padStart(8, '0')}`,
    needId: `need-${i}`,
    parkId: park,
    regionCode: rnd.next() < 0.7 ? home : rnd.pick(DISTRICTS),
    technicalField: rnd.pick(FIELDS) as Transaction['technicalField'],
    contractType,
    brokerId: `broker-${park}-${rnd.int(8)}`,
    registrationNumber: `${year}${home}${String(i).padStart(6, '0')}`,
    registeredOn,
    month: registeredOn.slice(0, 7),
    contractAmountFen,
    techTransactionAmountFen: Math.floor(contractAmountFen * (0.5 + rnd.next() * 0.5)),
    revision: 0,
    loggedAt: new Date(`${registeredOn}T10:00:00+08:00`),
    recordedAt: new Date(`${registeredOn}T10:00:01+08:00`),
  };
  if (withRecord) {
    Object.assign(row, {
      contractSubtype: rnd.pick(SUBTYPES_BY_TYPE.get(contractType)!),
      registryTechnicalField: rnd.pick(REGISTRY_TECHNICAL_FIELD_CODES),
      ipType: rnd.pick(IP_TYPE_CODES),
      socioeconomicObjective: rnd.pick(OBJECTIVES),
      sellerNature: rnd.pick(PARTY_NATURE_CODES),
      buyerNature: rnd.pick(PARTY_NATURE_CODES),
      outputRegion: rnd.next() < 0.03 ? rnd.pick(OVERSEAS) : rnd.pick(PROVINCES),
      absorptionRegion: rnd.next() < 0.8 ? `${home.slice(0, 2)}0000` : rnd.next() < 0.05 ? rnd.pick(OVERSEAS) : rnd.pick(PROVINCES),
    });
  }
  if (rnd.next() < 0.03) Object.assign(row, { status: 'revoked', revision: 1, revokedAt: new Date(`${registeredOn}T12:00:00+08:00`) });
  return row;
}

/** Adds `$inc` paths to an in-memory document, as MongoDB does. */
function incInto(doc: Record<string, unknown>, inc: Record<string, number>) {
  for (const [path, value] of Object.entries(inc)) {
    const parts = path.split('.');
    let at = doc;
    for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    const last = parts[parts.length - 1];
    at[last] = ((at[last] as number | undefined) ?? 0) + value;
  }
}

/** Inserts `n` rows and the roll-ups summed from them (through contributionOf and rollupDeltas), in bulk. */
export async function seed(models: BenchModels, n: number, log: (line: string) => void = () => undefined): Promise<number> {
  const docs = new Map<string, RollupDoc>();
  const batch = 10_000;
  const inFlight: Promise<unknown>[] = [];
  for (let from = 0; from < n; from += batch) {
    const rows = Array.from({ length: Math.min(batch, n - from) }, (_, k) => benchRow(from + k));
    for (const row of rows) {
      for (const [id, { year, parkId, inc }] of rollupDeltas(null, contributionOf(row))) {
        if (!docs.has(id)) docs.set(id, { _id: id, year, parkId, epoch: 0, applied: [] });
        incInto(docs.get(id)! as unknown as Record<string, unknown>, inc);
      }
    }
    inFlight.push(models.transactions.collection.insertMany(rows as never[], { ordered: false }));
    if (inFlight.length >= 3) await inFlight.shift();
    if ((from / batch) % 20 === 0 && from > 0) log(`  ${from.toLocaleString('en')} rows`);
  }
  await Promise.all(inFlight);
  await models.rollups.collection.insertMany([...docs.values()] as never[]);
  return docs.size;
}

export interface BenchModels {
  connection: Connection;
  transactions: Model<Transaction>;
  rollups: Model<RollupDoc>;
  funnel: Model<FunnelStageRow>;
}

export async function openBenchModels(mongoUrl: string, dbName: string): Promise<BenchModels> {
  const connection = await mongoose.createConnection(mongoUrl, { dbName, autoIndex: false }).asPromise();
  const models = {
    connection,
    transactions: connection.model<Transaction>(TRANSACTION_MODEL, TransactionSchema.clone()),
    rollups: connection.model<RollupDoc>(ROLLUP_MODEL, RollupSchema.clone()),
    funnel: connection.model<FunnelStageRow>(FUNNEL_MODEL, FunnelStageSchema.clone()),
  };
  await Promise.all([models.transactions.createIndexes(), models.rollups.createIndexes(), models.funnel.createIndexes()]);
  return models;
}

export function totalsServiceOn(models: BenchModels): TotalsQueries {
  return new TotalsQueries(new TransactionsRepository(models.transactions, models.rollups), new FunnelService(models.funnel));
}

// ---------------------------------------------------------------------------------------------------
// Before the roll-ups: TotalsService.totals() as it was, about 17 aggregations over the rows per call.

/** Contracts as they stand: a revoked registration counts nowhere. */
const STANDING = { status: { $ne: 'revoked' } };

/** The totals as the previous `TotalsService.totals()` computed them: aggregations over the transaction rows. */
export async function rowAggregationTotals(transactions: Model<Transaction>, funnelService: FunnelService, year: number, parkId?: string) {
  const scope = parkId ? { parkId, ...STANDING } : STANDING;
  const inYear = (y: number) => ({ ...scope, month: { $gte: `${y}-01`, $lte: `${y}-12` } });
  const dimensions = Object.entries(DIMENSIONS) as [Dimension, (typeof DIMENSIONS)[Dimension]][];
  const sumBy = (filter: object, field: string | null) => oldSumBy(transactions, filter, field);
  const [registered, previous, byMonth, previousByMonth, funnel, funnelByCohort, ...byDimension] = await Promise.all([
    sumBy(inYear(year), null).then((g) => g.get(null) ?? zero()),
    sumBy(inYear(year - 1), null).then((g) => g.get(null) ?? zero()),
    sumBy(inYear(year), 'month'),
    sumBy(inYear(year - 1), 'month'),
    funnelService.counts(parkId),
    funnelService.cohorts(year, parkId),
    ...dimensions.map(([, { field }]) => sumBy(inYear(year), field)),
  ]);
  const sums = { registered, previous, byMonth, previousByMonth, byDimension: Object.fromEntries(dimensions.map(([name], i) => [name, byDimension[i]])) as Record<Dimension, Map<string | null, Amounts>> };
  return totalsReport(year, parkId, sums, funnel, funnelByCohort);
}

async function oldSumBy(transactions: Model<Transaction>, filter: object, field: string | null): Promise<Map<string | null, Amounts>> {
  const groups = await transactions
    .aggregate<{ _id: string | null } & Amounts>([
      { $match: filter },
      { $group: { _id: field ? `$${field}` : null, count: { $sum: 1 }, contractAmountFen: { $sum: '$contractAmountFen' }, techTransactionAmountFen: { $sum: '$techTransactionAmountFen' } } },
      { $sort: { _id: 1 } },
    ])
    .exec();
  return new Map(groups.map(({ _id, count, contractAmountFen, techTransactionAmountFen }) => [_id, { count, contractAmountFen, techTransactionAmountFen }]));
}

const zero = (): Amounts => ({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });

// ---------------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round = (ms: number) => Math.round(ms * 100) / 100;
function figures(times: number[], n: number): LatencyFigures & { max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { n, p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), max: round(sorted[sorted.length - 1]) };
}
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, value];
}

async function benchSize(mongoUrl: string, n: number, samples: number, baselineSamples: number, log: (line: string) => void): Promise<SizeResult> {
  const models = await openBenchModels(mongoUrl, `bench_totals_${n}_${Date.now().toString(36)}`);
  try {
    log(`seeding ${n.toLocaleString('en')} transactions…`);
    const [seedMs, rollupDocs] = await timed(() => seed(models, n, log));
    log(`  seeded in ${(seedMs / 1000).toFixed(1)} s (${rollupDocs} roll-up documents)`);
    const service = totalsServiceOn(models);
    const funnel = new FunnelService(models.funnel);
    const park = PARKS[3];
    for (let i = 0; i < 10; i++) await service.totals(YEAR, i % 2 ? park : undefined); // warm-up
    const all: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < samples; i++) {
      all.push((await timed(() => service.totals(YEAR)))[0]);
      one.push((await timed(() => service.totals(YEAR, park)))[0]);
    }
    log(`  roll-ups: ${JSON.stringify(figures([...all, ...one], n))}`);
    // Alternately every park and one park (each call scans every row, ~17 times: at 1M rows, minutes).
    const beforeAll: number[] = [];
    const beforeOne: number[] = [];
    let sameAnswer: boolean | null = baselineSamples > 0 ? true : null;
    for (let i = 0; i < baselineSamples; i++) {
      const scope = i % 2 === 0 ? undefined : park;
      const [ms, old] = await timed(() => rowAggregationTotals(models.transactions, funnel, YEAR, scope));
      (scope ? beforeOne : beforeAll).push(ms);
      log(`  before, ${scope ? 'one park' : 'every park'}: ${round(ms)} ms`);
      if (i < 2 && JSON.stringify(old) !== JSON.stringify(await service.totals(YEAR, scope))) {
        sameAnswer = false;
        log('  !! the roll-ups answer differently from the row aggregations');
      }
    }
    const before = { samples: baselineSamples, allParks: beforeAll.length ? figures(beforeAll, n) : null, onePark: beforeOne.length ? figures(beforeOne, n) : null };
    log(`  before (row aggregations): ${JSON.stringify(before)}`);
    const both = figures([...all, ...one], n);
    return { n, p50Ms: both.p50Ms, p99Ms: both.p99Ms, allParks: figures(all, n), onePark: figures(one, n), before, rollupDocs, seedSeconds: round(seedMs / 1000), sameAnswer };
  } finally {
    await models.connection.dropDatabase().catch(() => undefined);
    await models.connection.close();
  }
}

export async function benchTotals({
  mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false',
  small = 10_000,
  large = 1_000_000,
  samples = 200,
  baselineSamples = { small: 20, large: 0 },
  log = () => undefined,
}: TotalsBenchOptions = {}): Promise<TotalsBenchResult> {
  const loadBefore = loadavg();
  const smallResult = await benchSize(mongoUrl, small, samples, baselineSamples.small, log);
  const largeResult = await benchSize(mongoUrl, large, samples, baselineSamples.large, log);
  return {
    at: new Date().toISOString(),
    machine: { cores: cpus().length, loadBefore, loadAfter: loadavg() },
    year: YEAR,
    small: smallResult,
    large: largeResult,
    ratio: round(largeResult.p99Ms / smallResult.p99Ms),
  };
}

if (require.main === module) {
  const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  benchTotals({
    small: num('BENCH_SMALL'),
    large: num('BENCH_LARGE'),
    samples: num('BENCH_SAMPLES'),
    baselineSamples: { small: num('BENCH_BASELINE_SMALL') ?? 20, large: num('BENCH_BASELINE_LARGE') ?? 0 },
    log: (line) => console.log(line),
  })
    .then((result) => {
      const dir = join(process.cwd(), 'bench-results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `totals-${result.at.replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      console.log(JSON.stringify({ small: result.small, large: result.large, ratio: result.ratio }, null, 2));
      console.log(`written to ${file}`);
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
