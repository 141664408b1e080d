import mongoose, { type Connection, type Model } from 'mongoose';
import { EVENT_EXAMPLES, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { rowAggregationTotals } from '../../bench/totals-latency';
import { FunnelService } from '../funnel/funnel.service';
import { FUNNEL_MODEL, FunnelStageSchema, type FunnelStageRow } from '../funnel/funnel.schema';
import { contributionOf, rollupDeltas, type RollupDoc } from './rollup';
import { RollupApplier } from './rollup-applier';
import { ROLLUP_MODEL, RollupSchema } from './rollup.schema';
import { TotalsQueries } from './totals.queries';
import { TRANSACTION_MODEL, TransactionSchema, type Transaction } from './transaction.schema';
import { TransactionsProjection } from './transactions.projection';
import { TransactionsRepository } from './transactions.repository';

/**
 * The totals' roll-ups on the real MongoDB-wire server: whatever the redeliveries, crashes between any
 * two writes, racing appliers (two "instances", each on its own connection) and late writers, the
 * roll-up documents end equal to roll-ups summed from scratch over the transaction rows, and
 * `totals()` answers exactly (JSON byte for byte) what the aggregations over the rows answered before
 * the roll-ups (`rowAggregationTotals`, kept in the benchmark as the "before").
 */
describe('the totals’ roll-ups', () => {
  const database = `t_${Date.now().toString(36)}_rollups`;
  const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  const run = Date.now().toString(36);
  type Instance = { store: Connection; transactions: Model<Transaction>; rollups: Model<RollupDoc>; funnel: FunnelService };
  let one: Instance;
  let two: Instance;

  async function instance(): Promise<Instance> {
    const store = await mongoose.createConnection(mongoUrl, { dbName: database }).asPromise();
    const transactions = store.model<Transaction>(TRANSACTION_MODEL, TransactionSchema.clone());
    const rollups = store.model<RollupDoc>(ROLLUP_MODEL, RollupSchema.clone());
    await Promise.all([transactions.init(), rollups.init()]);
    return { store, transactions, rollups, funnel: new FunnelService(store.model<FunnelStageRow>(FUNNEL_MODEL, FunnelStageSchema.clone())) };
  }

  beforeAll(async () => {
    one = await instance();
    two = await instance();
  });

  afterAll(async () => {
    await one?.store.dropDatabase().catch(() => undefined);
    await one?.store.close();
    await two?.store.close();
  });

  // -- appliers that crash, or stop at a gate ------------------------------------------------------

  class Crash extends Error {}
  const WRITES = new Set(['updateOne', 'updateMany', 'insertOne', 'insertMany', 'bulkWrite', 'findOneAndUpdate', 'deleteOne', 'deleteMany']);
  /** A collection whose writes run `before` first (which may throw: the process died before that write). */
  function intercepted<T extends object>(collection: T, before: (method: string, args: unknown[]) => Promise<void> | void): T {
    return new Proxy(collection, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        if (!WRITES.has(String(prop))) return value.bind(target);
        return async (...args: unknown[]) => {
          await before(String(prop), args);
          return value.apply(target, args);
        };
      },
    });
  }
  const applierOf = (at: Instance, before?: (method: string, args: unknown[]) => Promise<void> | void) =>
    before
      ? new RollupApplier({ collection: intercepted(at.transactions.collection, before) } as never, { collection: intercepted(at.rollups.collection, before) } as never)
      : new RollupApplier(at.transactions, at.rollups);
  /** An applier that dies before its `writes + 1`-th write. */
  const crashingAfter = (writes: number) => {
    let left = writes;
    return applierOf(one, () => {
      if (left-- <= 0) throw new Crash(`killed after ${writes} writes`);
    });
  };
  const repositoryOf = (at: Instance) => new TransactionsRepository(at.transactions, at.rollups);
  /** What reporting's deal consumer runs: the projection, then (at its batch's end) the applier. */
  type Handler = { projection: TransactionsProjection; applier: RollupApplier };
  const serviceOf = (at: Instance, applier = applierOf(at)): Handler => ({ projection: new TransactionsProjection(repositoryOf(at)), applier });
  const queriesOf = (at: Instance) => new TotalsQueries(repositoryOf(at), at.funnel);

  // -- one deal's events, as contract-tracking publishes them -------------------------------------

  type Step = 'logged' | 'enriched' | 'corrected' | 'amended' | 'revoked';
  const STEPS: Step[] = ['logged', 'enriched', 'corrected', 'amended', 'revoked'];
  let deals = 0;

  function dealEvents(terms: { parkId: string; registeredOn: string; contractAmountFen: number; techTransactionAmountFen: number }) {
    const n = ++deals;
    const context = {
      dealId: `deal-${run}-${n}`,
      needId: `need-${run}-${n}`,
      parkId: terms.parkId,
      brokerId: `broker-${terms.parkId}`,
      enterpriseId: `ent-${n}`,
      regionCode: n % 2 ? '320506' : '330108',
      technicalField: 'electronic-information' as const,
    };
    const signedOn = `${terms.registeredOn.slice(0, 8)}01`;
    const registered: RegistryRecord = {
      ...EVENT_EXAMPLES['cn.techtransfer.transaction.logged.v2'].record,
      registrationNumber: `${terms.registeredOn.slice(0, 4)}330108${String(n).padStart(6, '0')}`,
      registeredOn: terms.registeredOn,
      signedOn,
      contractAmountFen: terms.contractAmountFen,
      techTransactionAmountFen: terms.techTransactionAmountFen,
    };
    const [buyer, seller] = registered.parties;
    const corrected: RegistryRecord = { ...registered, techTransactionAmountFen: terms.techTransactionAmountFen - 10_000_000, parties: [buyer, { ...seller, regionCode: '110108' }] };
    const amended: RegistryRecord = { ...corrected, contractAmountFen: terms.contractAmountFen + 50_000_000, ipType: 'software-copyright', contractSubtype: 'development.cooperative' };
    const change = { ...context, transactionId: context.dealId, at: '2026-12-01T09:00:00+08:00' };
    const events = {
      logged: {
        ...EVENT_EXAMPLES['cn.techtransfer.transaction.logged.v1'],
        ...context,
        transactionId: context.dealId,
        registrationNumber: registered.registrationNumber,
        signedOn,
        registeredOn: terms.registeredOn,
        contractAmountFen: terms.contractAmountFen,
        techTransactionAmountFen: terms.techTransactionAmountFen,
      },
      enriched: { ...EVENT_EXAMPLES['cn.techtransfer.transaction.logged.v2'], ...context, transactionId: context.dealId, record: registered },
      corrected: { ...change, revision: 1, reverses: registered, restates: corrected, reason: '登记机构核定技术交易额' },
      amended: { ...change, revision: 2, reverses: corrected, restates: amended, reason: '双方签订补充协议' },
      revoked: { ...change, revision: 3, reverses: amended, reason: '经核查不属于技术合同，撤销登记' },
    };
    return {
      dealId: context.dealId,
      events,
      deliver: async (handler: Handler, step: Step) => {
        await deliver(handler.projection, step, events);
        await handler.applier.apply(context.dealId); // a batch of one
      },
    };
  }

  type Events = {
    logged: PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
    enriched: PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
    corrected: PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
    amended: PayloadOf<'cn.techtransfer.transaction.amended.v1'>;
    revoked: PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;
  };
  /** What reporting's deal consumer does with each event (deal ledger left out: no ledger entry, so no enterprise to check). */
  function deliver(service: TransactionsProjection, step: Step, events: Events): Promise<void> {
    switch (step) {
      case 'logged':
        return service.log(events.logged);
      case 'enriched':
        return service.logWithRecord(events.enriched);
      case 'corrected':
        return service.restate(events.corrected, 'correction', null);
      case 'amended':
        return service.restate(events.amended, 'amendment', null);
      case 'revoked':
        return service.revoke(events.revoked, null);
    }
  }

  // -- what the roll-ups must equal ----------------------------------------------------------------

  /** The roll-up documents summed from scratch over the rows, without the cells that sum to zero. */
  async function fromScratch(): Promise<Map<string, { months: object; dims: object }>> {
    const docs = new Map<string, { months: Record<string, unknown>; dims: Record<string, unknown> }>();
    for (const row of await one.transactions.collection.find({}).toArray()) {
      for (const [id, { inc }] of rollupDeltas(null, contributionOf(row as unknown as Transaction))) {
        if (!docs.has(id)) docs.set(id, { months: {}, dims: {} });
        for (const [path, value] of Object.entries(inc)) {
          const parts = path.split('.');
          let at = docs.get(id) as unknown as Record<string, unknown>;
          for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
          at[parts.at(-1)!] = ((at[parts.at(-1)!] as number) ?? 0) + value;
        }
      }
    }
    return docs;
  }
  const withoutEmptyCells = (cells: Record<string, { n: number; c: number; t: number }> = {}) => Object.fromEntries(Object.entries(cells).filter(([, v]) => v.n !== 0 || v.c !== 0 || v.t !== 0));
  async function rolledUp(): Promise<Map<string, { months: object; dims: object }>> {
    const docs = new Map<string, { months: object; dims: object }>();
    for (const doc of await one.rollups.collection.find({}).toArray()) {
      const months = withoutEmptyCells(doc.months);
      const dims = Object.fromEntries(Object.entries((doc.dims ?? {}) as Record<string, Record<string, { n: number; c: number; t: number }>>).map(([d, cells]) => [d, withoutEmptyCells(cells)]).filter(([, cells]) => Object.keys(cells).length > 0));
      if (Object.keys(months).length > 0 || Object.keys(dims).length > 0) docs.set(String(doc._id), { months, dims });
    }
    return docs;
  }

  const scopes: [number, string | undefined][] = [
    [2025, undefined],
    [2026, undefined],
    [2026, 'park-rollup-a'],
    [2026, 'park-rollup-b'],
    [2025, 'park-rollup-b'],
  ];
  /** The roll-ups equal a from-scratch summation over the rows, and `totals()` answers what the row aggregations did. */
  async function expectRollupsEqualRows() {
    const [expected, actual] = [await fromScratch(), await rolledUp()];
    expect(new Map([...actual].sort())).toEqual(new Map([...expected].sort()));
    const queries = queriesOf(one);
    for (const [year, parkId] of scopes) {
      expect({ year, parkId, totals: JSON.stringify(await queries.totals(year, parkId)) }).toEqual({
        year,
        parkId,
        totals: JSON.stringify(await rowAggregationTotals(one.transactions, one.funnel, year, parkId)),
      });
    }
    expect(await one.transactions.countDocuments({ $or: [{ 'rollup.pending': { $exists: true } }, { 'rollup.applying': { $exists: true } }] })).toBe(0);
  }

  const terms = (i: number) => ({
    parkId: i % 3 === 0 ? 'park-rollup-b' : 'park-rollup-a',
    registeredOn: i % 4 === 0 ? '2025-12-09' : `2026-0${1 + (i % 9)}-15`,
    contractAmountFen: 100_000_000 + i * 1_000_000,
    techTransactionAmountFen: 80_000_000 + i * 500_000,
  });

  // -- the cases -----------------------------------------------------------------------------------

  it('counts each deal once through log, enrichment, correction, amendment and revocation, every event delivered twice', async () => {
    const service = serviceOf(one);
    for (let i = 0; i < 8; i++) {
      const deal = dealEvents(terms(i));
      for (const step of STEPS.slice(0, 1 + (i % STEPS.length))) {
        await deal.deliver(service, step);
        await deal.deliver(service, step); // the redelivery
      }
    }
    await expectRollupsEqualRows();
    // Their ids stay in the documents until a document holds 16 or the sweep cleans up; then none is left.
    expect(await new RollupApplier(one.transactions, one.rollups).cleanApplied()).toBeGreaterThan(0);
    expect((await one.rollups.collection.find({ 'applied.0': { $exists: true } }).toArray()).map((d) => d.applied)).toEqual([]);
    await expectRollupsEqualRows();
  });

  it('ends equal to the rows after a crash between any two writes, finished by the redelivery, by the next event or by the sweep', async () => {
    const healthy = serviceOf(one);
    let scenarios = 0;
    for (const [k, step] of STEPS.entries()) {
      for (let writes = 0; ; writes++) {
        const deal = dealEvents(terms(k + writes));
        for (const before of STEPS.slice(0, k)) await deal.deliver(healthy, before);
        const crashed = await deal.deliver(serviceOf(one, crashingAfter(writes)), step).then(
          () => false,
          (error: unknown) => (error instanceof Crash ? true : Promise.reject(error)),
        );
        if (!crashed) break; // this many writes finish the step: every crash point is covered
        scenarios++;
        const recovery = (['redelivery', 'next', 'sweep'] as const)[writes % 3];
        if (recovery === 'redelivery') await deal.deliver(healthy, step);
        else if (recovery === 'next' && k + 1 < STEPS.length) await deal.deliver(healthy, STEPS[k + 1]); // a newer version lands on the half-applied one
        else await new RollupApplier(one.transactions, one.rollups).applyPending();
        const done = recovery === 'next' && k + 1 < STEPS.length ? k + 2 : k + 1;
        for (const after of STEPS.slice(done, done + 1)) await deal.deliver(healthy, after);
        await expectRollupsEqualRows();
      }
    }
    expect(scenarios).toBeGreaterThanOrEqual(STEPS.length * 4);
    // Ids left in `applied` by crashes after the row recorded its change are pulled by the sweep.
    await new RollupApplier(one.transactions, one.rollups).cleanApplied();
    expect((await one.rollups.collection.find({ 'applied.0': { $exists: true } }).toArray()).map((d) => d.applied)).toEqual([]);
    await expectRollupsEqualRows();
  });

  it('counts once with two instances handling every event at the same time, and sweeping meanwhile', async () => {
    const [a, b] = [serviceOf(one), serviceOf(two)];
    const sweeps = [new RollupApplier(one.transactions, one.rollups), new RollupApplier(two.transactions, two.rollups)];
    const all = Array.from({ length: 6 }, (_, i) => dealEvents(terms(i + 1)));
    for (const step of STEPS.slice(0, 4)) {
      await Promise.all([...all.flatMap((deal) => [deal.deliver(a, step), deal.deliver(b, step), ...sweeps.map((s) => s.apply(deal.dealId))]), ...sweeps.map((s) => s.cleanApplied())]);
    }
    await Promise.all(all.slice(0, 3).flatMap((deal) => [deal.deliver(a, 'revoked'), deal.deliver(b, 'revoked'), sweeps[0].applyPending(), sweeps[1].cleanApplied()]));
    await expectRollupsEqualRows();
  });

  it('counts once when a batch of deals is applied together, by two instances with overlapping batches, and after a crash at any write of a batch', async () => {
    const projection = new TransactionsProjection(repositoryOf(one));
    /** A Kafka batch: every deal's step written, then the roll-ups once for all of them (as the deal consumer does). */
    const batchOf = (size: number, offset: number) => Array.from({ length: size }, (_, i) => dealEvents(terms(offset + i)));
    const writeAll = async (deals: ReturnType<typeof dealEvents>[], step: Step) => {
      for (const deal of deals) await deliver(projection, step, deal.events);
    };
    // Two instances, overlapping batches of the same deals, at once; every step.
    const shared = batchOf(8, 20);
    for (const step of STEPS) {
      await writeAll(shared, step);
      const ids = shared.map((d) => d.dealId);
      await Promise.all([applierOf(one).applyMany(ids.slice(0, 6)), applierOf(two).applyMany(ids.slice(2)), applierOf(two).applyMany([...ids].reverse())]);
      await expectRollupsEqualRows();
    }
    // A crash before each write of a batch's roll-up, finished by the batch's redelivery or by the sweep.
    let scenarios = 0;
    for (let writes = 0; ; writes++) {
      const deals = batchOf(5, 40 + writes);
      await writeAll(deals, 'logged');
      const crashed = await crashingAfter(writes)
        .applyMany(deals.map((d) => d.dealId))
        .then(
          () => false,
          (error: unknown) => (error instanceof Crash ? true : Promise.reject(error)),
        );
      if (!crashed) break;
      scenarios++;
      if (writes % 2 === 0) await applierOf(one).applyMany(deals.map((d) => d.dealId));
      else await applierOf(two).applyPending();
      await writeAll(deals, 'enriched'); // and the batch after it
      await applierOf(one).applyMany(deals.map((d) => d.dealId));
      await expectRollupsEqualRows();
    }
    expect(scenarios).toBeGreaterThanOrEqual(4);
  });

  it('does not let an applier that read the row before another applied the same change apply it again (the epoch)', async () => {
    const deal = dealEvents(terms(5));
    let release!: () => void;
    let reachedGate!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const atGate = new Promise<void>((r) => (reachedGate = r));
    // Stops before its first `$inc` of a roll-up document: it has claimed the change, read the epochs and the row.
    const late = applierOf(one, async (method, args) => {
      if (method === 'findOneAndUpdate' && (args[1] as { $inc?: object }).$inc) {
        reachedGate();
        await gate;
      }
    });
    const logging = deal.deliver(serviceOf(one, late), 'logged');
    await atGate;
    // Meanwhile another instance applies the same change and records it, and a sweep pulls its id from the documents.
    const other = new RollupApplier(two.transactions, two.rollups);
    await other.apply(deal.dealId);
    expect((await one.transactions.findById(deal.dealId).lean())?.rollup).toMatchObject({ counted: { version: 1 } });
    expect(await other.cleanApplied()).toBeGreaterThanOrEqual(2);
    expect(await one.rollups.countDocuments({ applied: `${deal.dealId}:1` })).toBe(0);
    release();
    await logging;
    await expectRollupsEqualRows();
  });

  it('takes in rows from before the roll-ups, and rows changed by a reporting that does not keep them, at the reconcile', async () => {
    const service = serviceOf(one);
    const counted = dealEvents(terms(7));
    await counted.deliver(service, 'logged');
    // An earlier reporting (no roll-ups) corrects that row, and logs two rows of its own.
    await one.transactions.updateOne({ _id: counted.dealId }, { $set: { techTransactionAmountFen: 1_000_000 }, $inc: { revision: 1 } });
    const { rollup: _, ...old } = (await one.transactions.findById(counted.dealId).lean())!;
    await one.transactions.collection.insertMany([
      { ...old, _id: `legacy-${run}-1`, month: '2026-02', registeredOn: '2026-02-03', revision: 0, contractAmountFen: 7_000_000 },
      { ...old, _id: `legacy-${run}-2`, month: '2025-07', registeredOn: '2025-07-03', revision: 0, parkId: 'park-rollup-b', status: 'revoked' },
    ] as never[]);
    // The sweep only looks at pending rows; the reconcile reads them all.
    await new RollupApplier(one.transactions, one.rollups).applyPending();
    await expect(expectRollupsEqualRows()).rejects.toThrow();
    expect(await new RollupApplier(one.transactions, one.rollups).reconcile(2)).toBe(3);
    await expectRollupsEqualRows();
    expect(await new RollupApplier(one.transactions, one.rollups).reconcile()).toBe(0);
    // From then on they move like any other row.
    await one.transactions.updateOne({ _id: `legacy-${run}-1` }, { $set: { contractAmountFen: 9_000_000, 'rollup.pending': true }, $inc: { 'rollup.version': 1 } });
    await new RollupApplier(one.transactions, one.rollups).applyPending();
    await expectRollupsEqualRows();
  });
});
