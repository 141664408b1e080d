import { randomUUID } from 'node:crypto';
import type { CloudEvent } from '@tt/messaging';
import { analystToken, brokerToken, eventually, MediumTier, SseClient, type ApiClient } from '@tt/testing';
import { DealEvents } from './deal-events';

/**
 * The analysts' event log in the medium tier: the deal events reporting has applied, by cursor
 * (GET /events) and as a Server-Sent Events stream (GET /events/stream), each once whatever the
 * redeliveries, with parties reduced to role, nature and region. A client that reconnects with its
 * Last-Event-ID gets what it missed, without gaps or repeats; brokers see their own park only.
 */
describe('reporting (medium tier): the analysts’ event log', () => {
  let tier: MediumTier;
  let analyst: ApiClient;
  let token: string;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'reporting',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
    });
    token = await analystToken();
    analyst = tier.api(token);
  });

  afterAll(async () => {
    await tier?.stop();
  });

  const newPark = () => `park-ev-${randomUUID().slice(0, 8)}`;
  const chipContract = (parkId: string) => new DealEvents({ parkId, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000 });
  const deliverAll = async (events: CloudEvent[]) => {
    for (const event of events) expect({ type: event.type, outcome: await tier.deliver(event) }).toEqual({ type: event.type, outcome: 'handled' });
  };
  type Item = { id: string; eventId: string; type: string; dealId: string; parkId: string; data: Record<string, any> };

  it('lists the applied deal events by cursor, once each, oldest first, without party names', async () => {
    const park = newPark();
    const events = chipContract(park).toRegistration();
    await deliverAll(events);
    await deliverAll(chipContract(newPark()).toRegistration()); // another park's, left out by the filter
    // Redelivered, and replayed under new ids: logged once. (Contract signed is not replayed: once the
    // deal is registered, reporting's ledger refuses a signature, even the same one.)
    expect(await tier.deliver(events[0])).toBe('duplicate');
    for (const event of events.filter((e) => e.type !== 'cn.techtransfer.contract.signed.v1')) expect(await tier.deliver({ ...event, id: randomUUID() })).toBe('handled');

    const first = await analyst.get(`/events?parkId=${park}&after=0&limit=4`);
    expect(first.status).toBe(200);
    const rest = await analyst.get(`/events?parkId=${park}&after=${first.body.next}&limit=4`);
    const items: Item[] = [...first.body.items, ...rest.body.items];
    expect(first.body.items).toHaveLength(4);
    expect(items.map((e) => [e.type, e.eventId])).toEqual(events.map((e) => [e.type, e.id]));
    const positions = items.map((e) => Number(e.id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect((await analyst.get(`/events?parkId=${park}&after=${rest.body.next}`)).body.items).toEqual([]);

    const signed = items.find((e) => e.type === 'cn.techtransfer.contract.signed.v1')!;
    expect(signed.data.parties).toEqual([{ role: 'buyer' }, { role: 'seller' }]);
    const registered = items.find((e) => e.type === 'cn.techtransfer.contract.registered.v2')!;
    expect(registered.data.record.parties).toEqual([
      { role: 'buyer', nature: 'enterprise', regionCode: '320506' },
      { role: 'seller', nature: 'research-institute', regionCode: '110108' },
    ]);
    expect(registered.data.record.contractAmountFen).toBe(300_000_000);

    const logged = await analyst.get(`/events?parkId=${park}&types=cn.techtransfer.transaction.logged.v1,cn.techtransfer.transaction.logged.v2`);
    expect(logged.body.items.map((e: Item) => e.eventId)).toEqual([events[4].id, events[5].id]);
  });

  it('shows a broker their own park’s events only, and answers bad parameters with a 400 naming them', async () => {
    const park = newPark();
    const other = newPark();
    const mine = chipContract(park).toRegistration().slice(0, 2);
    await deliverAll(mine);
    await deliverAll(chipContract(other).toRegistration().slice(0, 2));
    const broker = tier.api(await brokerToken(park));
    const seen = await broker.get(`/events?parkId=${other}&after=0&limit=500`);
    expect(seen.status).toBe(200);
    expect(new Set(seen.body.items.map((e: Item) => e.parkId))).toEqual(new Set([park]));
    expect(seen.body.items.map((e: Item) => e.eventId)).toEqual(mine.map((e) => e.id));

    const cases: [string, string][] = [
      ['/events?after=-1', '/after'],
      ['/events?limit=501', '/limit'],
      ['/events?types=cn.techtransfer.need.captured.v1', '/types'],
      ['/events?parkId=park%20one', '/parkId'],
    ];
    for (const [path, pointer] of cases) {
      const res = await analyst.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect({ path, pointers: res.body.errors.map((e: { pointer: string }) => e.pointer) }).toEqual({ path, pointers: expect.arrayContaining([pointer]) });
    }
    const badResume = await analyst.send('GET', '/events/stream', undefined, 'application/json', { 'last-event-id': 'not-an-id' });
    expect(badResume.status).toBe(400);
    expect(badResume.body.errors).toEqual([expect.objectContaining({ pointer: 'header.Last-Event-ID' })]);
  });

  it('streams new events over SSE, and resumes after the Last-Event-ID without gaps or repeats', async () => {
    const park = newPark();
    const events = chipContract(park).toRegistration();
    const stream = new SseClient(`${tier.baseUrl}/events/stream?parkId=${park}`, token);
    await stream.connect();
    try {
      await deliverAll(events.slice(0, 2));
      await eventually(async () => stream.messages.length, (n) => n >= 2, { timeoutMs: 10_000, what: 'the first two events on the stream' });
      await stream.disconnect();
      // Missed while away, and another park's event the filter leaves out.
      await deliverAll(events.slice(2));
      await deliverAll(chipContract(newPark()).toRegistration().slice(0, 1));
      await stream.connect();
      await eventually(async () => stream.messages.length, (n) => n >= events.length, { timeoutMs: 10_000, what: 'the missed events after the reconnect' });
    } finally {
      await stream.disconnect();
    }
    const received = stream.messages.map((m) => ({ id: m.id, type: m.event, data: JSON.parse(m.data) as Item }));
    expect(received.map((m) => [m.type, m.data.eventId])).toEqual(events.map((e) => [e.type, e.id]));
    expect(received.map((m) => m.id)).toEqual(received.map((m) => m.data.id));
    expect(new Set(received.map((m) => m.id)).size).toBe(events.length);
  });
});
