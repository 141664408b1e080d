import { join } from 'node:path';
import mongoose from 'mongoose';
import { analystToken, brokerToken, eventually, REPO_ROOT, TEST_JWKS, TestSystem, type ApiClient } from '@tt/testing';
import { rebuildReporting, type RebuildReportingResult } from '../../scripts/events/rebuild-reporting';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, inPool, registration, registrationNumber, signature } from './broker-workflow';

const FUNNEL_STAGES = ['captured', 'matched', 'accepted', 'contracted', 'registered'] as const;

/**
 * Reporting's state is derived only from events: rebuilt from the topics' full history into a new
 * database (by a second reporting process with its own consumer group), its totals equal the live ones.
 */
const ok = (status: number) => status >= 200 && status < 300;

describe('rebuilding reporting from the topics', () => {
  let system: TestSystem;
  let reporting: ApiClient;
  let rebuilt: RebuildReportingResult | undefined;
  const suffix = Date.now().toString(36);
  const parks = [`park-rb-a-${suffix}`, `park-rb-b-${suffix}`];
  const db = `t_rebuilt_${suffix}`;
  const group = `reporting-rebuild-${suffix}`;

  // Five contracts, distinct amounts, over two parks, three months and four contract types.
  const contracts = [
    { park: 0, contractAmountFen: 120_000_000, techTransactionAmountFen: 100_000_000, contractType: 'development', signedOn: '2026-03-02', registeredOn: '2026-03-20' },
    { park: 0, contractAmountFen: 45_500_000, techTransactionAmountFen: 40_000_000, contractType: 'transfer', signedOn: '2026-03-05', registeredOn: '2026-04-01' },
    { park: 1, contractAmountFen: 310_000_000, techTransactionAmountFen: 290_000_000, contractType: 'development', signedOn: '2026-04-10', registeredOn: '2026-04-28' },
    { park: 1, contractAmountFen: 8_800_000, techTransactionAmountFen: 8_000_000, contractType: 'consulting', signedOn: '2026-06-01', registeredOn: '2026-06-15' },
    { park: 0, contractAmountFen: 66_600_000, techTransactionAmountFen: 60_000_000, contractType: 'licensing', signedOn: '2026-06-03', registeredOn: '2026-06-30' },
  ];

  beforeAll(async () => {
    system = await TestSystem.start();
    reporting = system.api('reporting', await analystToken());
  });

  afterAll(async () => {
    await rebuilt?.stop();
    if (system) {
      const admin = system.kafka.admin();
      await admin.connect();
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
    const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
    await connection.useDb(db).dropDatabase().catch(() => undefined);
    await connection.close();
    await system?.stop();
  });

  it('rebuilds totals equal to the live ones into a new database, leaving the live one alone', async () => {
    const brokers = await Promise.all(parks.map((park) => brokerToken(park)));
    await inPool(contracts, 3, async (c, i) => {
      const token = brokers[c.park];
      const intake = system.api('intake', token);
      const matching = system.api('matching', token);
      const dealsApi = system.api('contract-tracking', token);
      const enterpriseId = await createEnterprise(intake, `苏州重建测试企业${i}有限公司`);
      const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: `低功耗芯片设计需求 重建 #${i}` }));
      const { proposals } = await awaitProposals(matching, needId, 120_000);
      const accepted = await matching.post(`/proposals/${proposals[0].proposalId}/accept`);
      if (!ok(accepted.status)) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
      const dealId = await awaitDealFor(dealsApi, proposals[0].proposalId, 120_000);
      const signed = await dealsApi.post(`/deals/${dealId}/sign`, { ...signature(c.contractAmountFen, c.techTransactionAmountFen, c.contractType), signedOn: c.signedOn });
      if (!ok(signed.status)) throw new Error(`sign: ${signed.status} ${JSON.stringify(signed.body)}`);
      const registered = await dealsApi.post(`/deals/${dealId}/register`, registration(registrationNumber(), c.registeredOn));
      if (!ok(registered.status)) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
    });

    const live = await eventually(
      async () => (await reporting.get('/totals?year=2026')).body,
      (t) => t.registered?.count === 5 && FUNNEL_STAGES.every((stage) => t.funnel?.[stage] === 5) && t.funnel?.cancelledDeals === 0,
      { timeoutMs: 120_000, what: 'live totals of the five contracts' },
    );
    expect(live.registered).toMatchObject({ count: 5, contractAmountFen: 550_900_000, techTransactionAmountFen: 498_000_000 });

    // The test is the deployment here: the rebuilt service trusts the test key set, given explicitly
    // (the command itself takes the operator's AUTH_JWKS and REBUILD_TOKEN).
    const access = { trust: { AUTH_JWKS: TEST_JWKS }, token: await analystToken('reporting-rebuild') };
    rebuilt = await rebuildReporting({
      ...access,
      namespace: system.namespace,
      db,
      group,
      year: 2026,
      live: { db: `t_${system.runId}_reporting`, group: `${system.runId}-reporting` },
      timeoutMs: 180_000,
      logDir: join(REPO_ROOT, '.infra', 'test-logs', system.runId, 'rebuild'),
    });
    expect(rebuilt.ends.some((e) => e.end !== '0')).toBe(true);

    for (const field of ['registered', 'byMonth', 'byPark', 'byContractType', 'funnel'] as const) {
      expect({ [field]: rebuilt.totals[field] }).toEqual({ [field]: live[field] });
    }
    expect(rebuilt.totals).toEqual(live); // and every other breakdown
    expect(rebuilt.totals.byMonth.map((m: { month: string; count: number }) => `${m.month}:${m.count}`)).toEqual([
      '2026-01:0',
      '2026-02:0',
      '2026-03:1',
      '2026-04:2',
      '2026-05:0',
      '2026-06:2',
    ]);
    // 累计 (year to date) adds up month by month: 1, 3, 3, 5 contracts.
    expect(rebuilt.totals.byMonth.map((m: { yearToDate: { count: number } }) => m.yearToDate.count)).toEqual([0, 0, 1, 3, 3, 5]);

    // The rebuilt state is in its own database; the live service still answers the same.
    const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName: db }).asPromise();
    try {
      expect(await connection.db!.collection('transactions').countDocuments()).toBe(5);
    } finally {
      await connection.close();
    }
    expect((await reporting.get('/totals?year=2026')).body).toEqual(live);

    // A second rebuild into the same database with a fresh group is refused: it would not start from nothing.
    await expect(rebuildReporting({ ...access, namespace: system.namespace, db, group: `${group}-again`, live: { db: 'x', group: 'x' } })).rejects.toThrow(/already holds data/);
  }, 600_000);
});
