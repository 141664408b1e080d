/**
 * Rebuilds reporting's state from the topics' full history into a NEW database, without touching the
 * live one (reporting's state is derived only from events, and its handlers are idempotent):
 *
 *   npm run reporting:rebuild -- [--db reporting_rebuilt_<ts>] [--group reporting-rebuild-<ts>] [--year 2026] [--keep-running] [--timeout-ms 1800000]
 *
 * Starts the built reporting service (deploy/service-command.txt, as the e2e harness does) as a child
 * process with its own MONGO_DB, KAFKA_GROUP_ID and a free port; samples the end offsets of the topics
 * reporting consumes; waits until the new group's committed offsets reach them on every partition;
 * prints the rebuilt totals and how to switch reporting over; stops the child with SIGTERM (or, with
 * --keep-running, leaves it up until Ctrl-C to compare with the live one).
 * Environment: KAFKA_BROKERS, KAFKA_TOPIC_NAMESPACE, MONGO_URL (as reporting's).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { Kafka } from 'kafkajs';
import { topicsConsumedBy } from '@tt/contracts';
import { createKafka, topicNamespace } from '@tt/messaging';
import {
  analystToken,
  TEST_JWKS,
  ApiClient,
  freePort,
  groupProgress,
  REPO_ROOT,
  sampleEndOffsets,
  ServiceProcess,
  waitForGroupCatchUp,
  type PartitionEnd,
} from '@tt/testing';

/** What reporting subscribes to (its SUBSCRIPTIONS in the contracts). */
export const REPORTING_TOPICS = topicsConsumedBy('reporting');

export interface RebuildReportingOptions {
  /** The new database (default `reporting_rebuilt_<timestamp>`). */
  db?: string;
  /** The new consumer group (default `reporting-rebuild-<timestamp>`). */
  group?: string;
  /** The year of the totals to print (default the current one). */
  year?: number;
  /** Leave the rebuilt service running; the caller stops it with `result.stop()`. */
  keepRunning?: boolean;
  /** Topic namespace of the environment to rebuild from (default KAFKA_TOPIC_NAMESPACE). */
  namespace?: string;
  /** Default MONGO_URL, else the local default. */
  mongoUrl?: string;
  /** The live reporting's database and group, which the rebuild refuses to use (default MONGO_DB / KAFKA_GROUP_ID, else `reporting`). */
  live?: { db: string; group: string };
  /** Where the child's log goes (default `.infra/rebuild-logs/<db>`). */
  logDir?: string;
  /** How long the catch-up may take (default 30 min). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface RebuildReportingResult {
  db: string;
  group: string;
  url: string;
  /** The child's log file. */
  logFile: string;
  /** The end offsets the rebuild caught up to. */
  ends: PartitionEnd[];
  /** `GET /totals?year=<year>` on the rebuilt service, as an analyst. */
  totals: any;
  /** Stops the child gracefully (a no-op once stopped). */
  stop: () => Promise<void>;
}

const stamp = () => new Date().toISOString().replace(/\D/g, '').slice(0, 14);

export async function rebuildReporting(options: RebuildReportingOptions = {}): Promise<RebuildReportingResult> {
  const log = options.log ?? (() => undefined);
  const ts = stamp();
  const db = options.db ?? `reporting_rebuilt_${ts}`;
  const group = options.group ?? `reporting-rebuild-${ts}`;
  const year = options.year ?? new Date().getFullYear();
  const namespace = options.namespace ?? topicNamespace();
  const mongoUrl = options.mongoUrl ?? process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  const live = options.live ?? { db: process.env.MONGO_DB ?? 'reporting', group: process.env.KAFKA_GROUP_ID ?? 'reporting' };
  if (db === live.db) throw new Error(`--db ${db} is the live reporting database: a rebuild goes into a new one`);
  if (group === live.group) throw new Error(`--group ${group} is the live reporting consumer group: a rebuild reads with a new one`);
  const topics = REPORTING_TOPICS.map((t) => `${namespace}${t}`);
  const kafka = createKafka('reporting-rebuild');
  await assertTopicsExist(kafka, topics);

  // A rebuild starts from nothing, or resumes one that stopped (same --db and --group); nothing else.
  const before = await groupProgress(kafka, group, await sampleEndOffsets(kafka, topics));
  const groupHasOffsets = before.some((p) => p.committed !== null);
  const existing = await databaseState(mongoUrl, db);
  if (groupHasOffsets && existing.collections === 0) {
    throw new Error(`group ${group} has committed offsets but database ${db} does not exist: it would skip history; choose a new --group`);
  }
  if (existing.hasData && !groupHasOffsets) throw new Error(`database ${db} already holds data: choose a new --db`);
  if (groupHasOffsets) log(`resuming the rebuild of ${db} with group ${group}`);

  const ends = await sampleEndOffsets(kafka, topics);
  const truncated = ends.filter((e) => BigInt(e.low) > 0n);
  if (truncated.length > 0) {
    log(`WARNING: retention has removed the start of ${truncated.map((e) => `${e.topic}[${e.partition}] (from ${e.low})`).join(', ')}: the rebuild cannot see those events`);
  }
  const total = ends.reduce((n, e) => n + Number(BigInt(e.end) - BigInt(e.low)), 0);
  log(`rebuilding reporting into database ${db} with consumer group ${group}: ${total} records on ${topics.join(', ')}`);

  const logDir = options.logDir ?? join(REPO_ROOT, '.infra', 'rebuild-logs', db);
  const child = new ServiceProcess(
    'reporting',
    await freePort(),
    // It trusts only the key this script signs its own analyst token with (below).
    { MONGO_URL: mongoUrl, MONGO_DB: db, KAFKA_GROUP_ID: group, KAFKA_TOPIC_NAMESPACE: namespace, KAFKAJS_NO_PARTITIONER_WARNING: '1', AUTH_JWKS: TEST_JWKS },
    logDir,
  );
  const logFile = join(logDir, 'reporting.log');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await child.kill('SIGTERM');
  };
  try {
    await child.start();
    log(`rebuilding service up at ${child.url} (log: ${logFile})`);
    let lastReport = 0;
    let unreachable = 0;
    await waitForGroupCatchUp(kafka, group, topics, {
      ends,
      timeoutMs: options.timeoutMs ?? 30 * 60_000,
      intervalMs: 1_000,
      onPoll: async (progress) => {
        const alive = await fetch(`${child.url}/health/live`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
        unreachable = alive ? 0 : unreachable + 1;
        if (unreachable >= 5) throw new Error(`the rebuilding service at ${child.url} stopped answering; see ${logFile}`);
        if (Date.now() - lastReport >= 5_000) {
          lastReport = Date.now();
          const lag = progress.reduce((n, p) => n + p.lag, 0);
          log(`  ${total - lag}/${total} records handled`);
        }
      },
    });
    log(`caught up with the end offsets sampled at start`);
    const totals = await new ApiClient(child.url, await analystToken('reporting-rebuild')).get(`/totals?year=${year}`);
    if (totals.status !== 200) throw new Error(`GET /totals?year=${year} answered ${totals.status}: ${JSON.stringify(totals.body)}`);
    if (!options.keepRunning) await stop();
    return { db, group, url: child.url, logFile, ends, totals: totals.body, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function assertTopicsExist(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`no topic ${missing.join(', ')}: wrong KAFKA_TOPIC_NAMESPACE or KAFKA_BROKERS?`);
  } finally {
    await admin.disconnect();
  }
}

/** How many collections `db` has (reporting creates its collections at start), and whether any holds a document. */
async function databaseState(mongoUrl: string, db: string): Promise<{ collections: number; hasData: boolean }> {
  const connection = await mongoose.createConnection(mongoUrl, { dbName: db }).asPromise();
  try {
    const collections = await connection.db!.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of collections) {
      if (await connection.db!.collection(name).findOne({})) return { collections: collections.length, hasData: true };
    }
    return { collections: collections.length, hasData: false };
  } finally {
    await connection.close();
  }
}

const USAGE = 'usage: npm run reporting:rebuild -- [--db <new db>] [--group <new consumer group>] [--year <yyyy>] [--keep-running] [--timeout-ms <ms>]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      group: { type: 'string' },
      year: { type: 'string' },
      'keep-running': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const year = values.year === undefined ? undefined : Number(values.year);
  if (year !== undefined && !(Number.isInteger(year) && year >= 2000 && year <= 2100)) {
    console.error(`--year must be a year between 2000 and 2100\n${USAGE}`);
    return 2;
  }
  const result = await rebuildReporting({
    db: values.db,
    group: values.group,
    year,
    keepRunning: values['keep-running'],
    timeoutMs: values['timeout-ms'] ? Number(values['timeout-ms']) : undefined,
    log: (line) => console.log(line),
  });
  console.log(`\nrebuilt totals (GET /totals?year=${result.totals.scope?.year ?? year}):`);
  console.log(JSON.stringify(result.totals, null, 2));
  console.log(
    [
      '',
      `To switch reporting to the rebuilt state, restart it with`,
      `  MONGO_DB=${result.db} KAFKA_GROUP_ID=${result.group}`,
      `The group's committed offsets make it continue exactly where the rebuild stopped. Keep the old`,
      `database until you have compared the totals, then drop it (and the old group's offsets expire).`,
      `Events the rebuild could not handle went to the <topic>.dlq topics with dlq_consumer_group=${result.group}.`,
    ].join('\n'),
  );
  if (values['keep-running']) {
    console.log(`\nthe rebuilt reporting is running at ${result.url} (analyst token: npm run token -- analyst <id>); Ctrl-C stops it`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await result.stop();
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
