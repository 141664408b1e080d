import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { ALL_DEAD_LETTER_TOPICS } from '@tt/contracts';
import { analystToken, brokerToken, DeadLetterWatch, eventually, freePort, KafkaProbe, REPO_ROOT, SERVICE_NAMES, TEST_JWKS, TestSystem, WebhookReceiver, type ApiClient, type ServiceName } from '@tt/testing';
import { rebuildReporting, type RebuildReportingResult } from '../../scripts/events/rebuild-reporting';
import { funnelReached, inPool, parkClients, registrationNumber, takeNeedToRegistration } from './broker-workflow';

/**
 * 400 in `npm test`: every service is still killed 3 times while the traffic flows (the kills are
 * planned across 5–85 % of the run, whatever its length), in about 4 minutes instead of 9, which keeps
 * the suite near its 15-minute budget. `SCALE_OUT_NEEDS=1000` runs the longer soak.
 */
const NEEDS = Number(process.env.SCALE_OUT_NEEDS ?? 400);
const PARKS = 4;
const BROKERS_AT_ONCE = 12;
const KILLS_PER_SERVICE = 3;

/**
 * Two instances of every service share each service's database and consumer group, as a scaled-out
 * deployment does, and concurrent brokers (calls spread over both instances, failing over as a load
 * balancer would) take NEEDS needs to registered contracts while one instance of each service is
 * killed with SIGKILL, KILLS_PER_SERVICE times, at random moments, and restarted. Nothing may rest
 * on a lock inside one process: afterwards every figure is exact, no registration number is used
 * twice, nothing was dead-lettered, no aggregate lost a change, reporting rebuilt from the topics
 * equals the live one, and the analysts' event log and a webhook have every transaction exactly once
 * (the webhook at least once per attempt, once per `webhook-id`).
 */
describe('two instances of every service, with kill -9', () => {
  let system: TestSystem;
  let dlq: KafkaProbe;
  let deadLetters: DeadLetterWatch;
  let reporting: ApiClient;
  let rebuilt: RebuildReportingResult | undefined;
  let receiver: WebhookReceiver;
  const suffix = Date.now().toString(36);
  const parks = Array.from({ length: PARKS }, (_, p) => `park-so-${p}-${suffix}`);

  beforeAll(async () => {
    system = await TestSystem.start({ instances: 2 });
    deadLetters = await DeadLetterWatch.start(system);
    dlq = await KafkaProbe.start(system.kafka, ALL_DEAD_LETTER_TOPICS.map((t) => system.topic(t)));
    reporting = system.api('reporting', await analystToken());
    receiver = new WebhookReceiver(await freePort());
    await receiver.start();
  });

  afterAll(async () => {
    await receiver?.stop();
    await dlq?.stop();
    await rebuilt?.stop();
    if (rebuilt) {
      const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
      await connection.useDb(rebuilt.db).dropDatabase().catch(() => undefined);
      await connection.close();
    }
    await system?.stop();
  });

  it(`takes ${NEEDS} needs to registered contracts, exactly, through ${KILLS_PER_SERVICE * SERVICE_NAMES.length} kills`, async () => {
    const clients = await Promise.all(
      parks.map(async (park) => {
        const token = await brokerToken(park);
        return parkClients((service) => system.api(service, token));
      }),
    );
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 2_000_000 + i * 1_013, tech: 1_500_000 + i * 7 }));
    // An analyst's webhook for every logged transaction, delivered while reporting's instances are killed.
    const hook = await reporting.post('/webhooks', { url: receiver.url, types: ['cn.techtransfer.transaction.logged.v2'], after: 0 });
    expect(hook.status).toBe(201);
    receiver.secrets = [hook.body.secret];
    let registered = 0;
    const chaos = new Chaos(system, NEEDS);

    await inPool(amounts, BROKERS_AT_ONCE, async (amount, i) => {
      await takeNeedToRegistration(clients[i % PARKS], i, amount, registrationNumber(), { tag: `scale-out-${suffix}` });
      chaos.progress(++registered);
      if (registered % 100 === 0) process.stderr.write(`scale-out: ${registered}/${NEEDS} registered, ${chaos.kills.length} kills (${new Date().toISOString()})\n`);
    });
    await chaos.done();
    expect(chaos.kills.length).toBe(KILLS_PER_SERVICE * SERVICE_NAMES.length);
    for (const name of SERVICE_NAMES) expect(chaos.kills.filter((k) => k.startsWith(`${name}-`))).toHaveLength(KILLS_PER_SERVICE);

    // Every figure exact, once the last events are in and any redelivery after the kills has arrived.
    // Every funnel stage is waited for, not only the last: a kill can delay an earlier stage's event
    // past the registration. The broker sees a need's proposals once they are written, but their match
    // proposed is staged with the run written after them; a scoring job killed between the two is run
    // again once its BullMQ lock has expired (15–20 s), and an event left in a killed instance's outbox
    // waits for a relay's scan (at the restart, or every 15–30 s). Then, 10 s later, nothing may have
    // moved: no redelivery counted twice.
    const expected = {
      count: NEEDS,
      contractAmountFen: amounts.reduce((s, a) => s + a.contract, 0),
      techTransactionAmountFen: amounts.reduce((s, a) => s + a.tech, 0),
    };
    const totals = async () => (await reporting.get('/totals?year=2026')).body;
    await eventually(totals, (t) => t.registered?.count === NEEDS && funnelReached(t.funnel, NEEDS), {
      timeoutMs: 180_000,
      what: 'every registered contract in the totals, and every need at every stage of the funnel',
    });
    await new Promise((r) => setTimeout(r, 10_000));
    const live = await totals();
    expect(live.registered).toMatchObject(expected);
    expect(live.funnel).toEqual({ captured: NEEDS, matched: NEEDS, accepted: NEEDS, contracted: NEEDS, registered: NEEDS, cancelledDeals: 0 });
    expect(live.byPark.map((p: { key: string; count: number }) => [p.key, p.count])).toEqual(parks.map((park, p) => [park, Math.ceil((NEEDS - p) / PARKS)]).sort());
    // Nothing dead-lettered: the dead-letter topics' high watermarks once every consumer group has
    // caught up (the probe's buffer only gives the reasons, should there be any).
    const added = await deadLetters.added();
    expect({ added, parked: dlq.records.map((r) => `${r.topic} ${r.headers.dlq_reason}: ${r.headers.dlq_error}`) }).toEqual({ added: {}, parked: [] });

    // The analysts' event log: every transaction once, whichever instance logged it, through the kills.
    // (An empty page means "nothing more yet", so read until all are there.)
    type Logged = { eventId: string; dealId: string; data: { contractAmountFen: number } };
    const readLog = async () => {
      const items: Logged[] = [];
      for (let after = '0'; ; ) {
        const page = (await reporting.get(`/events?types=cn.techtransfer.transaction.logged.v1&limit=500&after=${after}`)).body;
        items.push(...page.items);
        if (page.items.length === 0) return items;
        after = page.next;
      }
    };
    const logged = await eventually(readLog, (items) => items.length >= NEEDS, { what: 'every transaction in the analysts’ event log', timeoutMs: 120_000 });
    expect(logged).toHaveLength(NEEDS);
    expect(new Set(logged.map((e) => e.dealId)).size).toBe(NEEDS);
    expect(logged.reduce((s, e) => s + e.data.contractAmountFen, 0)).toBe(expected.contractAmountFen);
    // The webhook: each transaction under one webhook-id, verified; a delivery cut by a kill may come again.
    await eventually(async () => receiver.accepted.length, (n) => n >= NEEDS, { what: 'a webhook per transaction', timeoutMs: 180_000 });
    expect(receiver.rejected).toEqual([]);
    expect(receiver.accepted).toHaveLength(NEEDS);
    expect(new Set(receiver.accepted.map((d) => d.payload.data.dealId)).size).toBe(NEEDS);
    process.stderr.write(`scale-out: webhook deliveries ${receiver.accepted.length} + ${receiver.repeated.length} repeated after kills\n`);

    // The stored state: no aggregate lost a change, no number used twice, every outbox emptied.
    const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
    try {
      const db = (name: ServiceName) => connection.useDb(system.database(name)).db!;
      const needs = db('intake').collection('needs');
      expect(await needs.countDocuments()).toBe(NEEDS); // retried captures created nothing twice
      const deals = db('contract-tracking').collection('deals');
      expect(await deals.countDocuments()).toBe(NEEDS);
      const incomplete = await deals
        .find({ $or: [{ status: { $ne: 'registered' } }, { 'history.2': { $exists: false } }, { 'history.3': { $exists: true } }, { contract: { $exists: false } }, { registration: { $exists: false } }] })
        .limit(5)
        .toArray();
      expect(incomplete).toEqual([]);
      const reused = await deals.aggregate([{ $group: { _id: '$registration.number', n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }]).toArray();
      expect(reused).toEqual([]);
      const proposals = db('matching').collection('proposals');
      expect(await proposals.countDocuments({ status: 'accepted', decidedBy: { $exists: true } })).toBe(NEEDS);
      expect(await db('matching').collection('match_runs').countDocuments()).toBe(NEEDS);
      for (const [name, collections] of [['intake', ['needs']], ['matching', ['match_runs', 'proposals']], ['contract-tracking', ['deals']]] as const) {
        for (const collection of collections) {
          const pending = await eventually(() => db(name).collection(collection).countDocuments({ 'outbox.0': { $exists: true } }), (n) => n === 0, { what: `${name}.${collection} outboxes to empty` });
          expect(pending).toBe(0);
        }
      }
    } finally {
      await connection.close();
    }

    // Reporting rebuilt from the topics' history equals the live one.
    rebuilt = await rebuildReporting({
      trust: { AUTH_JWKS: TEST_JWKS }, // the test is the deployment: its key set, its analyst
      token: await analystToken('reporting-rebuild'),
      namespace: system.namespace,
      db: `t_${system.runId}_rebuilt`,
      group: `${system.runId}-reporting-rebuild`,
      year: 2026,
      live: { db: system.database('reporting'), group: `${system.runId}-reporting` },
      timeoutMs: 300_000,
      logDir: join(REPO_ROOT, '.infra', 'test-logs', system.runId, 'rebuild'),
    });
    expect(rebuilt.totals).toEqual(live);
  }, 1_800_000);
});

/**
 * Kills one instance of each service KILLS_PER_SERVICE times, each at a random point of the run's
 * progress, and starts it again; the other instance of that service is always up meanwhile.
 */
class Chaos {
  readonly kills: string[] = [];
  private readonly plan: { at: number; service: ServiceName }[];
  private readonly running: Promise<void>[] = [];
  private readonly busy = new Map<ServiceName, Promise<void>>();

  constructor(
    private readonly system: TestSystem,
    total: number,
  ) {
    this.plan = SERVICE_NAMES.flatMap((service) =>
      Array.from({ length: KILLS_PER_SERVICE }, () => ({ service, at: Math.floor(total * (0.05 + Math.random() * 0.8)) })),
    ).sort((a, b) => a.at - b.at);
  }

  progress(done: number): void {
    while (this.plan.length > 0 && this.plan[0].at <= done) {
      const { service } = this.plan.shift()!;
      // One kill of a service at a time, so one of its two instances is always there.
      const previous = this.busy.get(service) ?? Promise.resolve();
      const next = previous.then(() => this.killOne(service));
      this.busy.set(service, next);
      this.running.push(next);
    }
  }

  private async killOne(service: ServiceName): Promise<void> {
    const instances = this.system.instances[service];
    const victim = instances[Math.floor(Math.random() * instances.length)];
    this.kills.push(`${victim.instanceName}@${new Date().toISOString()}`);
    await victim.kill('SIGKILL');
    await victim.start();
  }

  async done(): Promise<void> {
    await Promise.all(this.running);
  }
}
