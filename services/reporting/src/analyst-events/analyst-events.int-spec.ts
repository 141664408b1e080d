import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { CloudEvent } from '@tt/messaging';
import { ANALYST_EVENT_MODEL, AnalystEventSchema, type AnalystEventRow } from './analyst-event.schema';
import { AnalystEventsService } from './analyst-events.service';

/**
 * The analysts' event log with two instances on the real MongoDB-wire server, one of which stalls
 * between deciding to log an event and writing it. Readers must neither wait for it nor pass its
 * event: the other instance's events are readable at once, and the stalled one's arrives after them.
 */
describe('the analysts’ event log with a stalled writer', () => {
  const database = `t_${Date.now().toString(36)}_analyst_log`;
  const url = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  let a: Connection;
  let b: Connection;
  let stalled: AnalystEventsService;
  let healthy: AnalystEventsService;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    a = await mongoose.createConnection(url, { dbName: database }).asPromise();
    b = await mongoose.createConnection(url, { dbName: database }).asPromise();
    // Instance A stalls its first write until released (a long GC pause, a frozen VM).
    const stalling = AnalystEventSchema.clone();
    let first = true;
    stalling.pre('insertMany', async function () {
      if (!first) return;
      first = false;
      await new Promise<void>((resolve) => (release = resolve));
    });
    stalled = new AnalystEventsService(a.model<AnalystEventRow>(ANALYST_EVENT_MODEL, stalling));
    healthy = new AnalystEventsService(b.model<AnalystEventRow>(ANALYST_EVENT_MODEL, AnalystEventSchema.clone()));
    await stalled.onModuleInit();
    await healthy.onModuleInit();
  });

  afterAll(async () => {
    release();
    await a?.dropDatabase().catch(() => undefined);
    await a?.close();
    await b?.close();
  });

  const event = (dealId: string, type = 'cn.techtransfer.deal.opened.v1'): CloudEvent =>
    ({ id: randomUUID(), type, source: '/techtransfer/contract-tracking', subject: dealId, time: new Date().toISOString(), traceparent: '', data: { dealId, parkId: 'park-log' } }) as CloudEvent;

  it('lets readers read past nothing and wait for nothing', async () => {
    const late = event('deal-late');
    const stalledWrite = stalled.record(late); // takes no position anyone can see until it writes
    await new Promise((r) => setTimeout(r, 300)); // A is now stalled inside its write
    for (const dealId of ['deal-1', 'deal-2', 'deal-3']) await healthy.record(event(dealId));

    // While A is stalled, B's events are readable at once, in order, with nothing to wait at.
    const during = await healthy.readAfter(0, 100);
    expect(during.events.map((e) => e.dealId)).toEqual(['deal-1', 'deal-2', 'deal-3']);
    expect(during.cursor).toBe(3);

    release();
    await stalledWrite;
    // The stalled event lands after everything a reader has already passed: the reader that stopped at
    // 3 reads it next. Nothing was skipped, nothing is read twice.
    const after = await healthy.readAfter(during.cursor, 100);
    expect(after.events.map((e) => [e.seq, e.dealId])).toEqual([[4, 'deal-late']]);
    const all = await stalled.readAfter(0, 100);
    expect(all.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('logs an event once, whichever instance sees it and under whatever id it is replayed', async () => {
    const original = event('deal-once', 'cn.techtransfer.contract.signed.v1');
    await Promise.all([stalled.record(original), healthy.record(original), healthy.record({ ...original, id: randomUUID() })]);
    const logged = (await healthy.readAfter(0, 100)).events.filter((e) => e.dealId === 'deal-once');
    expect(logged).toHaveLength(1);
  });

  it('logs a batch in order, each event once and without a hole, while another instance logs an overlapping batch', async () => {
    const start = (await healthy.readAfter(0, 1000)).cursor;
    const batch = Array.from({ length: 12 }, (_, i) => event(`deal-batch-${i}`));
    const replayed = batch.slice(4).map((e) => ({ ...e, id: randomUUID() })); // the same events under new ids
    await Promise.all([stalled.recordMany(batch), healthy.recordMany([...replayed, event('deal-batch-other')]), healthy.recordMany(batch.slice(0, 6))]);
    const logged = (await healthy.readAfter(start, 1000)).events;
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => start + 1 + i));
    expect(new Set(logged.map((e) => e.dealId)).size).toBe(13);
    // Within a batch, the order given is kept.
    const ofBatch = logged.filter((e) => e.dealId!.startsWith('deal-batch-') && e.dealId !== 'deal-batch-other').map((e) => Number(e.dealId!.slice('deal-batch-'.length)));
    const firsts = ofBatch.slice(0, 4);
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
  });

  it('after a collision, finds the head from the position it collided at, without reading the whole log', async () => {
    await stalled.record(event('deal-far-0')); // A knows the head
    const start = (await healthy.readAfter(0, 10_000)).cursor;
    for (const n of [37, 1, 2]) {
      // B goes n past what A knows; A's next insert collides, and A follows by reads of positions.
      await healthy.recordMany(Array.from({ length: n }, (_, i) => event(`deal-far-${n}-${i}`)));
      const newestFirstReads = jest.spyOn(stalled, 'head');
      await stalled.recordMany([event(`deal-far-${n}-a`), event(`deal-far-${n}-b`)]);
      expect(newestFirstReads).not.toHaveBeenCalled();
      newestFirstReads.mockRestore();
    }
    const logged = (await healthy.readAfter(start, 10_000)).events;
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 46 }, (_, i) => start + 1 + i));
    expect(logged.slice(37, 39).map((e) => e.dealId)).toEqual(['deal-far-37-a', 'deal-far-37-b']);
    expect(logged.at(-1)!.dealId).toBe('deal-far-2-b');
  });

  it('follows the other instance’s appends, taking turns, without a hole or a repeat', async () => {
    const start = (await healthy.readAfter(0, 1000)).cursor;
    // Each instance remembers the position it wrote last; the other has gone past it every time.
    for (let i = 0; i < 6; i++) await (i % 2 === 0 ? stalled : healthy).recordMany([event(`deal-turn-${i}a`), event(`deal-turn-${i}b`)]);
    const logged = (await healthy.readAfter(start, 1000)).events;
    expect(logged.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => start + 1 + i));
    expect(logged.map((e) => e.dealId)).toEqual(Array.from({ length: 6 }, (_, i) => [`deal-turn-${i}a`, `deal-turn-${i}b`]).flat());
  });
});
