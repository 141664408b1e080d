/**
 * Rebuilding reporting from the topics (one figure of `npm run bench`): `rebuildReporting` (the
 * operator command's function) on the running system's topics, after the pipeline load filled them,
 * into a new database with a new group. events/s = the records on reporting's topics (counted from
 * their offsets) over the seconds the new group took to catch up: from the first poll that saw it
 * commit to the first that saw it at the end (catchUpRate, polled every 200 ms beside the command's
 * own wait; the child's start-up is left out). The wall time from the call to its return is kept too.
 * It runs twice, each into its own database and group: first with one record at a time per partition
 * (--key-concurrency 1, strictly in offset order), for reference, then with the command's default.
 */
import { join } from 'node:path';
import { REPORTING_TOPICS, rebuildReporting } from '../events/rebuild-reporting';
import { analystToken, REPO_ROOT, sampleEndOffsets, TEST_JWKS, waitForGroupCatchUp, type TestSystem } from '@tt/testing';
import { mongo, say } from './scratch';
import { catchUpRate, type LagPoint } from './summary';

export interface RebuildResult extends RebuildRun {
  /** The same rebuild with one record at a time per partition (CONSUMER_KEY_CONCURRENCY=1), run first, for reference. */
  oneKeyAtATime: RebuildRun;
}

export interface RebuildRun {
  what: string;
  /** Per partition, records of different keys handled at once (the rebuild's --key-concurrency; undefined: its default). */
  keysConcurrently: number | 'default';
  records: number;
  topics: string[];
  eventsPerSecond: number;
  catchUpSeconds: number;
  coarse: boolean;
  wallSeconds: number;
  /** From the call until the rebuilt service answered ready. */
  startSeconds: number;
  rebuiltRegisteredCount: number | null;
}

export async function benchRebuild(system: TestSystem, { timeoutMs }: { timeoutMs: number }): Promise<RebuildResult> {
  const oneKeyAtATime = await rebuildOnce(system, timeoutMs, 1);
  return { ...(await rebuildOnce(system, timeoutMs)), oneKeyAtATime };
}

async function rebuildOnce(system: TestSystem, timeoutMs: number, keysConcurrently?: number): Promise<RebuildRun> {
  const topics = REPORTING_TOPICS.map((t) => system.topic(t));
  const ends = await sampleEndOffsets(system.kafka, topics);
  const records = ends.reduce((n, e) => n + Number(BigInt(e.end) - BigInt(e.low)), 0);
  const db = `t_${system.runId}_rebuilt${keysConcurrently ?? ''}`;
  const group = `${system.runId}-rebuild${keysConcurrently ?? ''}`;
  say(`rebuild: ${records} records on reporting's topics, key concurrency ${keysConcurrently ?? 'the rebuild\'s default'}`);
  const points: LagPoint[] = [];
  let stopPolling = false;
  const polling = waitForGroupCatchUp(system.kafka, group, topics, {
    ends,
    timeoutMs,
    intervalMs: 200,
    onPoll: (progress) => {
      if (stopPolling) throw new Error('stopped');
      points.push({ at: Date.now(), lag: progress.reduce((n, p) => n + p.lag, 0) });
    },
  }).catch(() => undefined);
  const started = Date.now();
  let upAt: number | undefined;
  try {
    const rebuilt = await rebuildReporting({
      trust: { AUTH_JWKS: TEST_JWKS },
      token: await analystToken('bench-rebuild'),
      namespace: system.namespace,
      db,
      group,
      live: { db: system.database('reporting'), group: system.group('reporting') },
      timeoutMs,
      keysConcurrently,
      logDir: join(REPO_ROOT, '.infra', 'test-logs', system.runId, `rebuild${keysConcurrently ?? ''}`),
      log: (line) => {
        if (line.startsWith('rebuilding service up')) upAt = Date.now();
      },
    });
    const wallSeconds = (Date.now() - started) / 1000;
    await polling;
    const rate = catchUpRate(points, records);
    return {
      what: 'rebuildReporting (scripts/events/rebuild-reporting.ts): a new built reporting process, new database and group, from the start of reporting\'s topics',
      keysConcurrently: keysConcurrently ?? 'default',
      records,
      topics,
      eventsPerSecond: Math.round(rate.msgPerSecond),
      catchUpSeconds: Math.round(rate.seconds * 100) / 100,
      coarse: rate.coarse,
      wallSeconds,
      startSeconds: upAt ? (upAt - started) / 1000 : NaN,
      rebuiltRegisteredCount: rebuilt.totals?.registered?.count ?? null,
    };
  } finally {
    stopPolling = true;
    await polling;
    const admin = system.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
    await (await mongo()).db(db).dropDatabase().catch(() => undefined);
  }
}
