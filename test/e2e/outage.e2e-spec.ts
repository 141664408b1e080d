import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ALL_DEAD_LETTER_TOPICS } from '@tt/contracts';
import { analystToken, BalancedApiClient, brokerToken, eventually, KafkaProbe, REPO_ROOT, TestSystem, type ApiClient } from '@tt/testing';
import { inPool, parkClients, registrationNumber, takeNeedToRegistration } from './broker-workflow';

const run = promisify(execFile);
const NEEDS = Number(process.env.OUTAGE_TEST_NEEDS ?? 40);
const OUTAGE_MS = 20_000;

/** The local servers this test stops and starts again (scripts/infra/up runs them; their pid files). */
const LOCAL_SERVER_PIDFILE = { mongo: '.infra/mongo/mongo.pid', redis: '.infra/redis/redis.pid' } as const;

/**
 * A dependency that goes away is waited for, not held against the events: with the store (and then
 * Redis) stopped for 20 s in the middle of a run, brokers get 503s and retry, consumers pause and
 * retry, and afterwards nothing is in a dead-letter topic and the totals are exact.
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
    dlq = await KafkaProbe.start(system.kafka, ALL_DEAD_LETTER_TOPICS.map((t) => system.topic(t)));
    reporting = system.api('reporting', await analystToken());
  });

  afterAll(async () => {
    await infra('up'); // whatever happened, leave the servers running for the next test
    await dlq?.stop();
    await system?.stop();
  });

  it.each(['mongo', 'redis'] as const)('%s stopped mid-run: nothing dead-lettered, totals exact', async (component) => {
    const park = `park-outage-${component}-${Date.now().toString(36)}`;
    const token = await brokerToken(park);
    // Brokers retry on 503 and on connections refused, as they would behind a load balancer.
    const clients = await parkClients((service) => new BalancedApiClient([system.services[service].url], token, 180_000));
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 3_000_000 + i * 997, tech: 2_000_000 + i * 11 }));
    let registered = 0;
    let outage: Promise<void> | undefined;

    await inPool(amounts, 8, async (amount, i) => {
      await takeNeedToRegistration(clients, i, amount, registrationNumber(), { tag: `outage-${component}-${system.runId}` });
      // A quarter in, the dependency goes away for 20 s while the rest are in flight.
      if (++registered === Math.floor(NEEDS / 4)) outage = stopFor(component, OUTAGE_MS);
    });
    await outage;

    const expected = {
      count: NEEDS,
      contractAmountFen: amounts.reduce((s, a) => s + a.contract, 0),
      techTransactionAmountFen: amounts.reduce((s, a) => s + a.tech, 0),
    };
    const totals = async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
    await eventually(totals, (t) => t.registered?.count === NEEDS && t.funnel?.registered === NEEDS, { timeoutMs: 120_000, what: 'every contract in the totals' });
    await new Promise((r) => setTimeout(r, 3_000));
    const final = await totals();
    expect(final.registered).toMatchObject(expected);
    expect(final.funnel).toEqual({ captured: NEEDS, matched: NEEDS, accepted: NEEDS, contracted: NEEDS, registered: NEEDS, cancelledDeals: 0 });
    expect(dlq.records.map((r) => `${r.topic} ${r.headers.dlq_reason}: ${r.headers.dlq_error}`)).toEqual([]);
  });
});

async function stopFor(component: 'mongo' | 'redis', ms: number): Promise<void> {
  await infra('down', component);
  process.stderr.write(`outage test: ${component} stopped (${new Date().toISOString()})\n`);
  await new Promise((r) => setTimeout(r, ms));
  await infra('up');
  process.stderr.write(`outage test: ${component} started again (${new Date().toISOString()})\n`);
}

/** scripts/infra/{up,down}, for the local servers: without the *_URL variables that would make `up` skip them. */
async function infra(command: 'up' | 'down', ...args: string[]): Promise<void> {
  const { MONGO_URL: _m, REDIS_URL: _r, KAFKA_BROKERS: _k, ...env } = process.env;
  await run('bash', [join(REPO_ROOT, 'scripts', 'infra', command), ...args], { cwd: REPO_ROOT, env });
}
