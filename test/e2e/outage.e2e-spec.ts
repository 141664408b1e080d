import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  analystToken,
  BalancedApiClient,
  brokerToken,
  DeadLetterWatch,
  eventually,
  KafkaProbe,
  pingMongo,
  pingRedis,
  ReadinessWatch,
  type ReadinessSample,
  REPO_ROOT,
  RetryLog,
  SERVICE_NAMES,
  TestSystem,
  type ApiClient,
} from '@tt/testing';
import { ALL_DEAD_LETTER_TOPICS } from '@tt/contracts';
import { funnelReached, inPool, parkClients, registrationNumber, takeNeedToRegistration } from './broker-workflow';

const NEEDS = Number(process.env.OUTAGE_TEST_NEEDS ?? 40);
const OUTAGE_MS = 20_000;

/** The local servers this test stops and starts again (scripts/infra/up runs them; their pid files). */
const LOCAL_SERVER_PIDFILE = { mongo: '.infra/mongo/mongo.pid', redis: '.infra/redis/redis.pid' } as const;
type Component = keyof typeof LOCAL_SERVER_PIDFILE;
const ping: Record<Component, () => Promise<boolean>> = { mongo: () => pingMongo(), redis: () => pingRedis() };

/**
 * A dependency that goes away is waited for, not held against the events: with the store (and then
 * Redis) stopped for 20 s in the middle of a run, brokers get 503s from the store's outage and retry
 * (Redis is not needed to serve a request: they are served throughout), consumers pause and retry,
 * and afterwards nothing is in a dead-letter topic and the totals are exact. That the outage happened
 * is proven, not assumed: `scripts/infra/down <component>` exits 0 only when it stopped a running
 * server, a ping of it from here fails while it is stopped, and every service is not ready while it
 * is away and ready again after.
 */
describe('the store or Redis away for 20 s', () => {
  let system: TestSystem;
  let dlq: KafkaProbe;
  let reporting: ApiClient;

  beforeAll(async () => {
    for (const [component, pidfile] of Object.entries(LOCAL_SERVER_PIDFILE)) {
      if (!existsSync(join(REPO_ROOT, pidfile))) {
        throw new Error(`this test stops and restarts the local ${component} that scripts/infra/up starts; none runs here (no ${pidfile})`);
      }
    }
    system = await TestSystem.start();
    // For the reasons, should anything be dead-lettered; whether anything was is read from the broker.
    dlq = await KafkaProbe.start(system.kafka, ALL_DEAD_LETTER_TOPICS.map((t) => system.topic(t)));
    reporting = system.api('reporting', await analystToken());
  });

  afterAll(async () => {
    await infra('up'); // whatever happened, leave the servers running for the next test
    await dlq?.stop();
    await system?.stop();
  });

  it.each(['mongo', 'redis'] as const)('%s stopped mid-run: really down, seen by brokers and readiness, back; nothing dead-lettered, totals exact', async (component) => {
    const deadLetters = await DeadLetterWatch.start(system);
    const park = `park-outage-${component}-${Date.now().toString(36)}`;
    const token = await brokerToken(park);
    // Brokers retry on 503 and on connections refused, as they would behind a load balancer.
    const retries = new RetryLog();
    const clients = await parkClients((service) => new BalancedApiClient([system.services[service].url], token, 180_000, retries));
    const readiness = new ReadinessWatch(Object.fromEntries(SERVICE_NAMES.map((s) => [s, system.services[s].url])));
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 3_000_000 + i * 997, tech: 2_000_000 + i * 11 }));
    let registered = 0;
    let outage: Promise<Outage> | undefined;

    expect(await ping[component]()).toBe(true);
    try {
      await inPool(amounts, 8, async (amount, i) => {
        await takeNeedToRegistration(clients, i, amount, registrationNumber(), { tag: `outage-${component}-${system.runId}` });
        // A quarter in, the dependency goes away for 20 s while the rest are in flight.
        if (++registered === Math.floor(NEEDS / 4)) outage = stopFor(component, OUTAGE_MS);
      });
      const { down, downCalledAt, stoppedAt, restartedAt, pingsWhileStopped } = await outage!;
      // Really down: `down` stopped a running server (it exits non-zero when there was none), and it did not answer.
      expect(down).toMatchObject({ exitCode: 0 });
      expect(pingsWhileStopped.length).toBeGreaterThan(0);
      expect(pingsWhileStopped.filter((answered) => answered)).toEqual([]);
      expect(await ping[component]()).toBe(true);
      // Every service was not ready while it was away, and is ready again. Not ready as the deployment's
      // health check (deploy/Dockerfile) sees it: a 503 naming that dependency, or no answer within 4 s
      // (with the store away, the store's ping in /health/ready waits for the driver's server selection).
      await eventually(async () => readiness.samples.filter((s) => s.at > restartedAt), (samples) => SERVICE_NAMES.every((s) => samples.some((x) => x.service === s && x.status === 200)), {
        what: 'every service ready again',
        timeoutMs: 60_000,
      });
      const seen = Object.fromEntries(SERVICE_NAMES.map((service) => [service, readinessSummary(readiness.between(service, downCalledAt, restartedAt), component)]));
      const callers = {
        '503': retries.unavailableBetween(downCalledAt, restartedAt + 5_000).length,
        'cut off or refused': retries.unreachable.filter((c) => c.at >= downCalledAt && c.at <= restartedAt + 5_000).length,
        answered: retries.answered.filter((at) => at >= stoppedAt && at <= restartedAt).length,
      };
      process.stderr.write(`outage test (${component}): readiness while away ${JSON.stringify(seen)}; brokers' calls ${JSON.stringify(callers)}\n`);
      for (const service of SERVICE_NAMES) {
        // The last answer back before the stop was called (a probe sent just before it may be answered after).
        const before = readiness.lastAnsweredBefore(service, downCalledAt);
        expect({ service, readyBefore: before?.status, checks: before?.checks }).toEqual({ service, readyBefore: 200, checks: expect.anything() });
        expect({ service, notReady: seen[service][`503 with ${component} down`] + seen[service]['no answer in 4 s'] > 0 }).toEqual({ service, notReady: true });
      }
      if (component === 'mongo') {
        // Brokers' calls failed while the store was away, and were retried (all came through in the end):
        // a 503 when the store connection of a request in flight broke, else no answer until the client's
        // 15-s timeout (the driver waits for the store to come back rather than failing fast).
        expect(callers['503'] + callers['cut off or refused']).toBeGreaterThan(0);
      } else {
        // Requests do not need Redis (rate limiting lets them through when its store is away): brokers were
        // served while it was, and the queues caught up after.
        expect(callers.answered).toBeGreaterThan(0);
      }
    } finally {
      await readiness.stop();
    }

    const expected = {
      count: NEEDS,
      contractAmountFen: amounts.reduce((s, a) => s + a.contract, 0),
      techTransactionAmountFen: amounts.reduce((s, a) => s + a.tech, 0),
    };
    const totals = async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
    await eventually(totals, (t) => t.registered?.count === NEEDS && funnelReached(t.funnel, NEEDS), { timeoutMs: 120_000, what: 'every contract in the totals, every need at every funnel stage' });
    // Nothing dead-lettered: the dead-letter topics' high watermarks, once every consumer group has caught up.
    const added = await deadLetters.added();
    expect({ added, parked: dlq.records.map((r) => `${r.topic} ${r.headers.dlq_reason}: ${r.headers.dlq_error}`) }).toEqual({ added: {}, parked: [] });
    const final = await totals();
    expect(final.registered).toMatchObject(expected);
    expect(final.funnel).toEqual({ captured: NEEDS, matched: NEEDS, accepted: NEEDS, contracted: NEEDS, registered: NEEDS, cancelledDeals: 0 });
  });
});

interface Outage {
  down: { exitCode: number; output: string };
  downCalledAt: number;
  stoppedAt: number;
  restartedAt: number;
  /** A direct ping of the component, about once a second while it was meant to be stopped. */
  pingsWhileStopped: boolean[];
}

async function stopFor(component: Component, ms: number): Promise<Outage> {
  const downCalledAt = Date.now();
  const down = await infra('down', component);
  const stoppedAt = Date.now();
  process.stderr.write(`outage test: ${component} stopped (${new Date().toISOString()}; down exited ${down.exitCode})\n`);
  const pingsWhileStopped: boolean[] = [];
  while (Date.now() < stoppedAt + ms - 1_500) {
    pingsWhileStopped.push(await ping[component]());
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await new Promise((r) => setTimeout(r, Math.max(stoppedAt + ms - Date.now(), 0)));
  const restartedAt = Date.now();
  const up = await infra('up');
  if (up.exitCode !== 0) throw new Error(`scripts/infra/up exited ${up.exitCode}: ${up.output}`);
  process.stderr.write(`outage test: ${component} started again (${new Date().toISOString()})\n`);
  return { down, downCalledAt, stoppedAt, restartedAt, pingsWhileStopped };
}

/** scripts/infra/{up,down}, for the local servers: without the *_URL variables that would make `up` skip them. Resolves with the exit status. */
function infra(command: 'up' | 'down', ...args: string[]): Promise<{ exitCode: number; output: string }> {
  const { MONGO_URL: _m, REDIS_URL: _r, KAFKA_BROKERS: _k, ...env } = process.env;
  return new Promise((resolve) => {
    execFile('bash', [join(REPO_ROOT, 'scripts', 'infra', command), ...args], { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode, output: `${stdout}${stderr}` });
    });
  });
}

/** What a service's readiness answered over a period: counts by kind of answer. */
function readinessSummary(samples: ReadinessSample[], component: Component): Record<string, number> {
  const count = (test: (s: ReadinessSample) => boolean) => samples.filter(test).length;
  return {
    ready: count((s) => s.status === 200),
    [`503 with ${component} down`]: count((s) => s.status === 503 && s.checks[component] === 'down'),
    'other 503': count((s) => s.status === 503 && s.checks[component] !== 'down'),
    'no answer in 4 s': count((s) => s.status === 0),
  };
}
