/**
 * `POST /needs` throughput and latency (one figure of `npm run bench`): autocannon, `connections`
 * connections for `seconds` seconds (after a warm-up), against
 * - intake: one built instance in a scratch scope of the running system (its own topic namespace and
 *   database: the needs it captures are published, but no other service reads them, so the downstream
 *   pipeline does not compete for the cores), rate limit raised to 1,000,000/min;
 * - the baseline: scripts/bench/bare-needs-server.ts as its own process, the same store work with the
 *   native driver into a database with the same indexes and the same enterprise document.
 * Both get the same body (the chip-design need of the e2e tests) and the same broker token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ApiClient, brokerToken, chipNeed, freePort, REPO_ROOT, type TestSystem } from '@tt/testing';
import { createEnterprise } from '../../test/e2e/broker-workflow';
import { copyIndexes, mongo, MONGO_URL, opsPer, say, ScratchScope, storeOpcounters, until } from './scratch';

export interface PostNeedsOptions {
  seconds: number;
  connections: number;
  warmupSeconds: number;
}

export interface HttpLoadFigure {
  url: string;
  seconds: number;
  connections: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 2xx answers per second over the run. */
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Needs found in the target's database afterwards (warm-up included): the writes really happened. */
  storedNeeds: number;
  /** The store's operations (opcounters) during the measured run per 2xx answer; null when the store reports none. */
  storeOpsPerRequest: Record<string, number> | null;
}

export interface PostNeedsResult {
  intake: HttpLoadFigure & { what: string };
  baseline: HttpLoadFigure & { what: string };
  ratio: { requestsPerSecond: number; p99: number };
  indexesCopied: string[];
}

async function load(url: string, token: string, body: string, seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
    timeout: 30,
  });
}

function figure(result: autocannon.Result, url: string, storedNeeds: number, storeOpsPerRequest: Record<string, number> | null): HttpLoadFigure {
  return {
    url,
    seconds: result.duration,
    connections: result.connections,
    requests: result['2xx'] + result.non2xx,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    requestsPerSecond: Math.round((result['2xx'] / result.duration) * 10) / 10,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    storedNeeds,
    storeOpsPerRequest,
  };
}

async function startBareServer(db: string, park: string, logDir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, 'bare-needs-server.log'), { flags: 'a' });
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(REPO_ROOT, 'scripts/bench/bare-needs-server.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, MONGO_URL, BARE_DB: db, BARE_PARK: park, BARE_BROKER: `broker-${park}`, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const up = await until(
    () =>
      child.exitCode === null &&
      fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    200,
  );
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`the bare handler did not start; see ${logDir}/bare-needs-server.log`);
  }
  return { url, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function benchPostNeeds(system: TestSystem, { seconds, connections, warmupSeconds }: PostNeedsOptions): Promise<PostNeedsResult> {
  const scope = await ScratchScope.open(system, 'pn');
  let bare: ChildProcess | undefined;
  try {
    const intake = await scope.service('intake', { RATE_LIMIT: '1000000/1m' });
    await intake.start();
    const park = `park-bench-pn-${system.runId}`;
    const token = await brokerToken(park);
    const enterpriseId = await createEnterprise(new ApiClient(intake.url, token));
    const body = JSON.stringify(chipNeed(enterpriseId));

    // The baseline's database: the enterprise intake stored, and intake's indexes on both collections.
    const store = await mongo();
    const intakeDb = store.db(scope.db('intake'));
    const bareDb = store.db(scope.db('bare'));
    const enterprise = await intakeDb.collection('enterprises').findOne({ _id: enterpriseId as never });
    if (!enterprise) throw new Error(`enterprise ${enterpriseId} not found in ${intakeDb.databaseName}`);
    await bareDb.collection('enterprises').insertOne(enterprise);
    const indexesCopied = await copyIndexes(intakeDb, bareDb, ['needs', 'enterprises']);
    const started = await startBareServer(bareDb.databaseName, park, join(REPO_ROOT, '.infra', 'test-logs', system.runId));
    bare = started.child;
    const probe = await new ApiClient(started.url, token).post('/needs', JSON.parse(body));
    if (probe.status !== 201) throw new Error(`the bare handler answered ${probe.status}: ${JSON.stringify(probe.body)}`);

    const run = async (url: string, db: typeof intakeDb) => {
      if (warmupSeconds > 0) await load(`${url}/needs`, token, body, warmupSeconds, connections);
      const opsBefore = await storeOpcounters();
      const result = await load(`${url}/needs`, token, body, seconds, connections);
      const opsAfter = await storeOpcounters();
      const ops = opsBefore && opsAfter ? opsPer(opsBefore, opsAfter, result['2xx']) : null;
      if (ops) say(`POST /needs: ${url}: store operations per request ${JSON.stringify(ops)}`);
      return figure(result, `${url}/needs`, await db.collection('needs').countDocuments(), ops);
    };
    say(`POST /needs: intake, ${connections} connections, ${warmupSeconds} s warm-up + ${seconds} s`);
    const ours = await run(intake.url, intakeDb);
    say(`POST /needs: intake ${ours.requestsPerSecond} req/s, p99 ${ours.latencyMs.p99} ms; now the bare handler`);
    const raw = await run(started.url, bareDb);
    say(`POST /needs: bare handler ${raw.requestsPerSecond} req/s, p99 ${raw.latencyMs.p99} ms`);
    for (const [name, f] of [['intake', ours], ['bare handler', raw]] as const) {
      if (f.ok2xx === 0) throw new Error(`${name} answered no 2xx (${f.non2xx} non-2xx, ${f.errors} errors)`);
    }
    return {
      intake: {
        ...ours,
        what: 'intake (built, one instance, scratch namespace and database): token check, Redis rate limit, validation, enterprise lookup, need insert with its staged event, outbox relay publishing it',
      },
      baseline: {
        ...raw,
        what: 'bare node:http + native mongodb driver (scripts/bench/bare-needs-server.ts): parse JSON, enterprise lookup, insert of the need with its staged need-captured event (stageEvent, contract-validated) into a database with intake\'s indexes; no auth, rate limit, validation, logging or publishing',
      },
      ratio: {
        requestsPerSecond: Math.round((ours.requestsPerSecond / raw.requestsPerSecond) * 100) / 100,
        p99: Math.round((ours.latencyMs.p99 / Math.max(1, raw.latencyMs.p99)) * 100) / 100,
      },
      indexesCopied,
    };
  } finally {
    if (bare) await stopChild(bare);
    await scope.close();
  }
}
