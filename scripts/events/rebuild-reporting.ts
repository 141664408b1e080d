/**
 * Rebuilds reporting's state from the topics' full history into a NEW database, without touching the
 * live one (reporting's state is derived only from events, and its handlers are idempotent):
 *
 *   REBUILD_TOKEN=<analyst token> npm run reporting:rebuild -- [--db reporting_rebuilt_<ts>] [--group reporting-rebuild-<ts>] [--year 2026] [--keep-running] [--timeout-ms 1800000] [--token-file <file>] [--key-concurrency 8]
 *
 * Starts the built reporting service (deploy/service-command.txt, with @tt/ops's ServiceProcess) as a
 * child process with its own MONGO_DB, KAFKA_GROUP_ID and a free port; samples the end offsets of the
 * topics reporting consumes; waits until the new group's committed offsets reach them on every
 * partition; prints the rebuilt totals (GET /totals, as an analyst) and how to switch reporting over;
 * stops the child with SIGTERM (or, with --keep-running, leaves it up until Ctrl-C to compare with the
 * live one).
 *
 * Access, as for the live reporting: the child trusts the deployment's key set, AUTH_JWKS or
 * AUTH_JWKS_FILE from this environment (passed through unchanged; without either the command refuses to
 * start, unless NODE_ENV=development, where reporting's config falls back to the development key). The
 * totals are read with the operator's analyst token from the identity service: REBUILD_TOKEN, or the
 * file given by --token-file (not a command-line argument, which other users can see); it is checked
 * against the child before the catch-up starts. The command mints no token and holds no key.
 * Environment: KAFKA_BROKERS (and KAFKA_SASL_* on a secured broker), KAFKA_TOPIC_NAMESPACE, MONGO_URL,
 * NODE_ENV, AUTH_JWKS / AUTH_JWKS_FILE (as reporting's), REBUILD_TOKEN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import type { Kafka } from 'kafkajs';
import { topicsConsumedBy } from '@tt/contracts';
import { createKafka, topicNamespace } from '@tt/messaging';
import { freePort, groupProgress, REPO_ROOT, sampleEndOffsets, ServiceProcess, waitForGroupCatchUp, type PartitionEnd } from '@tt/ops';

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
  /**
   * Records of different deals or needs the rebuilding consumer handles at once per partition
   * (CONSUMER_KEY_CONCURRENCY; default 8, as in the live services).
   */
  keysConcurrently?: number;
  /**
   * The key set the rebuilt service verifies bearer tokens with, as reporting reads it (default: this
   * process's AUTH_JWKS / AUTH_JWKS_FILE). Given here, it replaces both inherited variables.
   */
  trust?: { AUTH_JWKS?: string; AUTH_JWKS_FILE?: string };
  /** An analyst bearer token the rebuilt service accepts, to read its totals (default REBUILD_TOKEN). */
  token?: string;
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

/** See RebuildReportingOptions.keysConcurrently. */
const REBUILD_KEYS_CONCURRENTLY = 8;

const stamp = () => new Date().toISOString().replace(/\D/g, '').slice(0, 14);

/**
 * The child's key-set variables: the given ones, or this process's passed through. Refuses, before
 * anything starts, when there is none and reporting would refuse too (it trusts its development key
 * only with NODE_ENV=development).
 */
export function rebuiltServiceTrust(trust: RebuildReportingOptions['trust'], env: NodeJS.ProcessEnv = process.env): { AUTH_JWKS?: string; AUTH_JWKS_FILE?: string } {
  const chosen = trust ?? { AUTH_JWKS: env.AUTH_JWKS, AUTH_JWKS_FILE: env.AUTH_JWKS_FILE };
  const keySet = { AUTH_JWKS: chosen.AUTH_JWKS || undefined, AUTH_JWKS_FILE: chosen.AUTH_JWKS_FILE || undefined };
  if (!keySet.AUTH_JWKS && !keySet.AUTH_JWKS_FILE && env.NODE_ENV !== 'development') {
    throw new Error(
      'set AUTH_JWKS (or AUTH_JWKS_FILE) to the key set the deployment verifies tokens with, as for reporting itself: the rebuilt reporting trusts only that (the development key only with NODE_ENV=development)',
    );
  }
  return keySet;
}

/** The analyst token to read the rebuilt totals with: given, or REBUILD_TOKEN; refused when missing. */
export function rebuildToken(token: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = (token ?? env.REBUILD_TOKEN ?? '').trim();
  if (chosen === '') {
    throw new Error(
      'set REBUILD_TOKEN (or --token-file) to an analyst token from the identity service, signed by a key in AUTH_JWKS: the rebuilt totals are read as an analyst (with NODE_ENV=development: npm run token -- analyst <id>)',
    );
  }
  return chosen;
}

export async function rebuildReporting(options: RebuildReportingOptions = {}): Promise<RebuildReportingResult> {
  const log = options.log ?? (() => undefined);
  // Access first: a missing key set or token is found before anything is read or started.
  const trust = rebuiltServiceTrust(options.trust);
  const token = rebuildToken(options.token);
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
    // The rest of this environment (NODE_ENV, KAFKA_SASL_*, …) is inherited, as reporting's own; the
    // operator's token stays with this process.
    {
      MONGO_URL: mongoUrl,
      MONGO_DB: db,
      KAFKA_GROUP_ID: group,
      KAFKA_TOPIC_NAMESPACE: namespace,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      CONSUMER_KEY_CONCURRENCY: String(options.keysConcurrently ?? REBUILD_KEYS_CONCURRENTLY),
      ...trust,
      REBUILD_TOKEN: undefined,
    },
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
    // The token is checked now, not after a catch-up that may take half an hour.
    const access = await getJson(child.url, `/totals?year=${year}`, token);
    if (access.status === 401 || access.status === 403) {
      throw new Error(
        `the rebuilt reporting refuses REBUILD_TOKEN (${access.status} ${JSON.stringify(access.body)}): it must be an unexpired analyst token signed by a key in the AUTH_JWKS it was given`,
      );
    }
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
    const totals = await getJson(child.url, `/totals?year=${year}`, token);
    if (totals.status !== 200) {
      throw new Error(
        `GET /totals?year=${year} answered ${totals.status}: ${JSON.stringify(totals.body)} (the rebuild itself is complete: run the command again with the same --db and --group, and a fresh token, to read the totals)`,
      );
    }
    if (!options.keepRunning) await stop();
    return { db, group, url: child.url, logFile, ends, totals: totals.body, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One GET with the bearer token: the status and the JSON (or problem+json) body. */
async function getJson(baseUrl: string, path: string, token: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: res.status, body };
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

const USAGE = [
  'usage: REBUILD_TOKEN=<analyst token> npm run reporting:rebuild -- [--db <new db>] [--group <new consumer group>] [--year <yyyy>] [--keep-running] [--timeout-ms <ms>] [--token-file <file>] [--key-concurrency <1-64, default 8>]',
  'The rebuilt reporting trusts AUTH_JWKS or AUTH_JWKS_FILE from this environment (the deployment\'s key set; NODE_ENV=development alone falls back to the development key).',
].join('\n');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string' },
      group: { type: 'string' },
      year: { type: 'string' },
      'keep-running': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      'token-file': { type: 'string' },
      'key-concurrency': { type: 'string' },
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
  const keysConcurrently = values['key-concurrency'] === undefined ? undefined : Number(values['key-concurrency']);
  if (keysConcurrently !== undefined && !(Number.isInteger(keysConcurrently) && keysConcurrently >= 1 && keysConcurrently <= 64)) {
    console.error(`--key-concurrency must be a whole number from 1 to 64\n${USAGE}`);
    return 2;
  }
  const token = values['token-file'] === undefined ? undefined : readFileSync(values['token-file'], 'utf8');
  const result = await rebuildReporting({
    token,
    db: values.db,
    group: values.group,
    year,
    keepRunning: values['keep-running'],
    timeoutMs: values['timeout-ms'] ? Number(values['timeout-ms']) : undefined,
    keysConcurrently,
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
    console.log(`\nthe rebuilt reporting is running at ${result.url} (with the same token as an analyst); Ctrl-C stops it`);
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
