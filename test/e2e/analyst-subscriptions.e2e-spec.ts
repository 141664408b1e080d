import { Webhook } from 'standardwebhooks';
import { adminToken, analystToken, brokerToken, eventually, freePort, SseClient, TestSystem, WebhookReceiver, type ApiClient } from '@tt/testing';
import { DEAL_TO_REGISTRATION, parkClients, registrationNumber, takeNeedToRegistration, type ParkClients } from './broker-workflow';

/**
 * Analysts' subscriptions on the four services (real Kafka, MongoDB-wire server, Redis): signed
 * webhooks verified by a receiver with the Standard Webhooks reference library, a receiver down 30 s
 * that still gets everything in order, a dead endpoint disabled and replayed, the SSE stream resumed
 * with Last-Event-ID, and GET /events paged by cursor, all with the same events and no party names.
 */
describe('analysts subscribe to deal events', () => {
  let system: TestSystem;
  let reporting: ApiClient;
  let park: ParkClients;
  const parkId = `park-${Date.now().toString(36)}`;
  const receiver = new WebhookReceiver(0);
  let receiverPort: number;

  beforeAll(async () => {
    system = await TestSystem.start({
      // Short retry waits and a disable window past the 30-s outage below (production: 10m and 3d).
      env: { reporting: { WEBHOOK_RETRY_MAX: '2s', WEBHOOK_DISABLE_AFTER: '45s', WEBHOOK_TIMEOUT: '5s' } },
    });
    reporting = system.api('reporting', await analystToken('analyst-webhooks'));
    const broker = await brokerToken(parkId);
    park = await parkClients((service) => system.api(service, broker));
    receiverPort = await freePort();
    receiver.port = receiverPort;
    await receiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
    await system?.stop();
  });

  const eventsOf = (dealId: string) => receiver.accepted.filter((d) => d.payload.data.dealId === dealId);

  it('delivers signed webhooks in order per deal, once each, through a 30-s outage; disables a dead endpoint; replays', async () => {
    const created = await reporting.post('/webhooks', { url: receiver.url, parks: [parkId], description: '区科技局 成交监测' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body).toMatchObject({ status: 'active', parks: [parkId], types: [] });
    receiver.secrets = [created.body.secret];
    const hookId: string = created.body.id;
    expect(JSON.stringify((await reporting.get(`/webhooks/${hookId}`)).body)).not.toContain('whsec_'); // shown once
    // Another park's webhook (scope), and one to an endpoint that never answers (to be disabled).
    const otherPark = await reporting.post('/webhooks', { url: receiver.url, parks: ['some-other-park'] });
    const dead = await reporting.post('/webhooks', { url: `http://127.0.0.1:${await freePort()}/gone`, parks: [parkId] });
    expect([otherPark.status, dead.status]).toEqual([201, 201]);
    // Brokers do not manage webhooks; analysts do not see each other's.
    expect((await reporting.as(await brokerToken(parkId)).get('/webhooks')).status).toBe(403);
    expect((await reporting.as(await analystToken('analyst-else')).get(`/webhooks/${hookId}`)).status).toBe(404);
    expect((await reporting.as(await adminToken()).get(`/webhooks/${hookId}`)).status).toBe(200);

    const first = await takeNeedToRegistration(park, 1, { contract: 120_000_000, tech: 100_000_000 }, registrationNumber(), { tag: parkId });
    await eventually(async () => eventsOf(first.dealId), (d) => d.length >= 6, { what: 'the first deal’s six webhooks' });

    // The endpoint goes down for 30 s while a second deal runs to registration.
    await receiver.stop();
    const downAt = Date.now();
    const second = await takeNeedToRegistration(park, 2, { contract: 80_000_000, tech: 60_000_000 }, registrationNumber(), { tag: parkId });
    await eventually(async () => (await reporting.get(`/webhooks/${hookId}`)).body, (h) => h.consecutiveFailures > 0, { what: 'failed attempts while the endpoint is down' });
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
    expect(eventsOf(second.dealId)).toHaveLength(0);
    await receiver.start();
    await eventually(async () => eventsOf(second.dealId), (d) => d.length >= 6, { what: 'the second deal’s webhooks after the outage', timeoutMs: 60_000 });

    // Each deal's events exactly once, in order, every one verified; none for the other park's webhook.
    for (const { dealId } of [first, second]) expect(eventsOf(dealId).map((d) => d.payload.type)).toEqual(DEAL_TO_REGISTRATION);
    expect(receiver.repeated).toEqual([]);
    expect(receiver.rejected).toEqual([]);
    expect(new Set(receiver.accepted.map((d) => d.webhookId)).size).toBe(receiver.accepted.length);
    expect(receiver.accepted.every((d) => d.payload.data.parkId === parkId)).toBe(true);
    // The payload is the analysts' view: amounts and classes, no party names, no contacts.
    const logged = eventsOf(first.dealId).find((d) => d.payload.type === 'cn.techtransfer.transaction.logged.v1')!;
    expect(logged.payload.data.data).toMatchObject({ dealId: first.dealId, contractAmountFen: 120_000_000, techTransactionAmountFen: 100_000_000 });
    const record = eventsOf(first.dealId).find((d) => d.payload.type === 'cn.techtransfer.transaction.logged.v2')!.payload.data.data.record;
    expect(record.parties).toEqual([
      { role: 'buyer', nature: 'enterprise', regionCode: '320506' },
      { role: 'seller', nature: 'research-institute', regionCode: '110108' },
    ]);
    const everything = receiver.accepted.map((d) => d.body).join('\n');
    // (The catalogue's public supply name may name an institute; the contract's parties never appear.)
    for (const secret of ['苏州芯联微电子股份有限公司', '13912345678', 'creditCode']) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/"parties":\[[^\]]*"name"/);

    // The delivery log shows the outage's failed attempts, then the successes.
    const log = (await reporting.get(`/webhooks/${hookId}/deliveries?pageSize=100`)).body;
    expect(log.items.some((d: { outcome: string; error?: string }) => d.outcome === 'failed' && d.error === 'connection failed')).toBe(true);
    expect(log.items.filter((d: { outcome: string }) => d.outcome === 'delivered')).toHaveLength(12);
    expect((await reporting.get(`/webhooks/${hookId}`)).body).toMatchObject({ status: 'active', consecutiveFailures: 0 });

    // A forged body, a captured delivery sent again, and one captured long ago: refused by the verification.
    const sample = eventsOf(first.dealId)[0];
    const forged = await fetch(receiver.url, { method: 'POST', headers: sample.headers, body: sample.body.replace('"parkId"', '"parkID"') });
    expect(forged.status).toBe(400);
    const resent = await fetch(receiver.url, { method: 'POST', headers: sample.headers, body: sample.body });
    expect(resent.status).toBe(204);
    expect(receiver.repeated.map((d) => d.webhookId)).toEqual([sample.webhookId]); // recognised, not processed again
    const stale = new Webhook(created.body.secret).sign(sample.webhookId, new Date(Date.now() - 10 * 60_000), sample.body);
    const old = await fetch(receiver.url, {
      method: 'POST',
      headers: { ...sample.headers, 'webhook-timestamp': String(Math.floor((Date.now() - 10 * 60_000) / 1000)), 'webhook-signature': stale },
      body: sample.body,
    });
    expect(old.status).toBe(400);
    expect(receiver.rejected.map((r) => r.reason)).toEqual([expect.stringMatching(/signature/i), expect.stringMatching(/timestamp/i)]);
    receiver.repeated.length = 0;

    // The dead endpoint is disabled after failing for the whole window, with its reason.
    const disabled = await eventually(async () => (await reporting.get(`/webhooks/${dead.body.id}`)).body, (h) => h.status === 'disabled', { what: 'the dead webhook to be disabled', timeoutMs: 90_000 });
    expect(disabled.disabledReason).toMatch(/failing since/);
    expect((await reporting.get(`/webhooks/${dead.body.id}/deliveries`)).body.items.every((d: { outcome: string }) => d.outcome === 'failed')).toBe(true);

    // Rotation: the new secret signs, and the old one beside it for the overlap.
    const rotated = await reporting.post(`/webhooks/${hookId}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    receiver.secrets = [rotated.body.secret];
    // Replay from the start: the same webhook ids again, now signed with both secrets.
    const replay = await reporting.post(`/webhooks/${hookId}/replay`, { after: 0 });
    expect(replay.status).toBe(202);
    const replayed = await eventually(async () => receiver.repeated, (r) => r.length >= 12, { what: 'the replayed deliveries' });
    expect(replayed.map((d) => d.webhookId)).toEqual(receiver.accepted.map((d) => d.webhookId));
    for (const d of replayed) expect(() => new Webhook(created.body.secret).verify(d.body, d.headers)).not.toThrow();
    expect(receiver.rejected).toHaveLength(2); // still only the forged and the stale one

    // Bad input: clear problems, nothing created.
    const bad = await reporting.post('/webhooks', { url: 'ftp://example.com/x', types: ['cn.techtransfer.need.captured.v1'], parks: ['bad park'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/parks', '/types', '/url']);
    expect((await reporting.get('/webhooks')).body.items).toHaveLength(3);
  });

  it('streams the same events over SSE, resuming with Last-Event-ID without gaps or repeats, and pages them by cursor', async () => {
    const analyst = await analystToken('analyst-stream');
    const streamUrl = `${system.services.reporting.url}/events/stream?parkId=${parkId}&after=0`;
    const sse = new SseClient(streamUrl, analyst);
    await sse.connect();
    // What the first test logged is already there: twelve events.
    await eventually(async () => sse.messages, (m) => m.length >= 12, { what: 'the logged events over SSE' });
    await new Promise((r) => setTimeout(r, 1_000)); // room for a thirteenth, which there must not be
    await sse.disconnect();
    expect(sse.messages).toHaveLength(12);
    const before = sse.messages.map((m) => m.id);
    expect(sse.lastEventId).toBeDefined(); // what it will send as Last-Event-ID

    // While the client is away, a third deal goes all the way to registration: six events logged.
    const { dealId } = await takeNeedToRegistration(park, 3, { contract: 50_000_000, tech: 50_000_000 }, registrationNumber(), { tag: parkId });
    const missedPage = await eventually(
      // Everything in the park after the last event it got (the cursor of GET /events is the SSE id).
      () => reporting.get(`/events?after=${before[11]}&limit=100&parkId=${parkId}`),
      (r) => r.status === 200 && r.body.items.filter((e: { dealId: string }) => e.dealId === dealId).length >= 6,
      { what: 'the third deal logged while the client is away', timeoutMs: 60_000 },
    );
    const missed: { id: string; type: string; dealId: string }[] = missedPage.body.items;
    expect(missed.map((e) => [e.dealId, e.type])).toEqual(DEAL_TO_REGISTRATION.map((t) => [dealId, t]));
    expect(sse.messages).toHaveLength(12); // nothing reached it while it was away

    // It reconnects with Last-Event-ID, as EventSource does: exactly the events it missed, in order.
    await sse.connect();
    await eventually(async () => sse.messages, (m) => m.length >= 12 + missed.length, { what: 'the missed events over SSE', timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 1_500)); // room for a repeat or a stray event to show up
    await sse.disconnect();
    const resumed = sse.messages.slice(12);
    expect(resumed.map((m) => [m.id, m.event])).toEqual(missed.map((e) => [e.id, e.type])); // no gap, no repeat, in order
    expect(resumed.map((m) => JSON.parse(m.data).dealId)).toEqual(missed.map(() => dealId));
    expect(sse.messages.slice(0, 12).map((m) => m.id)).toEqual(before);

    const ids = sse.messages.map((m) => Number(m.id));
    expect(new Set(ids).size).toBe(ids.length); // no repeats
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // in order

    // GET /events by cursor gives the same events (no gaps), a page at a time.
    const paged: { id: string; type: string }[] = [];
    let next = '0';
    for (let i = 0; i < 20; i++) {
      const page = await reporting.get(`/events?after=${next}&limit=5&parkId=${parkId}`);
      expect(page.status).toBe(200);
      paged.push(...page.body.items);
      if (page.body.items.length === 0) break;
      next = page.body.next;
    }
    expect(paged.map((e) => e.id)).toEqual(sse.messages.map((m) => m.id));
    expect(paged).toHaveLength(18);

    // A broker sees only their park; a type filter narrows; a bad cursor is a clear 400.
    const otherBroker = system.api('reporting', await brokerToken(`${parkId}-x`));
    expect((await otherBroker.get(`/events?parkId=${parkId}`)).body.items).toEqual([]);
    const logged = await reporting.get(`/events?types=cn.techtransfer.transaction.logged.v2&parkId=${parkId}`);
    expect(logged.body.items.map((e: { type: string }) => e.type)).toEqual(Array(3).fill('cn.techtransfer.transaction.logged.v2'));
    const bad = await reporting.get('/events?after=-1&types=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/after', '/types']);
    const badResume = await fetch(streamUrl, { headers: { authorization: `Bearer ${analyst}`, 'last-event-id': 'abc' } });
    expect(badResume.status).toBe(400);
  });
});
