import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '@tt/messaging';
import { adminToken, analystToken, brokerToken, eventually, freePort, MediumTier, WebhookReceiver, type ApiClient } from '@tt/testing';
import { DealEvents } from './deal-events';

/**
 * Reporting's webhooks in the medium tier: its Nest modules with the platform's HTTP edge and its
 * BullMQ delivery queue, on the real MongoDB-wire server and Redis, the deal events handed to its
 * handlers as contract-tracking publishes them (deal-events.ts), and a local receiver that verifies
 * each delivery as the Standard Webhooks specification tells it to (libs/testing/src/webhook-receiver.ts).
 * Only analysts and admins subscribe; internal targets are refused unless the operator allows them
 * (here 127.0.0.1 only); a deal event reaches the receiver signed, in the analysts' view, filtered
 * by park and type; an endpoint that keeps failing is disabled after WEBHOOK_DISABLE_AFTER (3 s
 * here) and gets nothing more until re-enabled; a rotated secret signs beside the new one; a replay
 * delivers again under the same webhook ids.
 */
describe('reporting (medium tier): webhooks', () => {
  let tier: MediumTier;
  let analyst: ApiClient;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'reporting',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
      // Retries every second, an endpoint failing for 3 s disabled, and the test's receivers on 127.0.0.1 allowed.
      env: { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1', WEBHOOK_RETRY_MAX: '1s', WEBHOOK_DISABLE_AFTER: '3s', WEBHOOK_TIMEOUT: '1s' },
    });
    analyst = tier.api(await analystToken());
  });

  afterAll(async () => {
    for (const receiver of receivers) await receiver.stop();
    await tier?.stop();
  });

  const newPark = () => `park-wh-${randomUUID().slice(0, 8)}`;
  const chipContract = (parkId: string) => new DealEvents({ parkId, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000, registeredTechTransactionAmountFen: 240_000_000 });
  const deliverAll = async (events: CloudEvent[]) => {
    for (const event of events) expect({ type: event.type, outcome: await tier.deliver(event) }).toEqual({ type: event.type, outcome: 'handled' });
  };
  async function startReceiver(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.start();
    receivers.push(receiver);
    return receiver;
  }
  /** Subscribes the receiver (to one park's events), and gives it the secret the answer shows once. */
  async function subscribe(receiver: WebhookReceiver, body: Record<string, unknown>) {
    const created = await analyst.post('/webhooks', { url: receiver.url, ...body });
    expect(created.status).toBe(201);
    receiver.secrets = [created.body.secret];
    return created.body as { id: string; secret: string; cursor: string; status: string };
  }
  const webhook = async (id: string) => (await analyst.get(`/webhooks/${id}`)).body;
  const deliveriesOf = async (id: string) => (await analyst.get(`/webhooks/${id}/deliveries?pageSize=100`)).body.items as { outcome: string; statusCode?: number; seq: number; webhookId: string; error?: string }[];
  /** A URL nothing is subscribed through: on 127.0.0.1 (allowed), port 9 (discard). */
  const nowhere = 'http://127.0.0.1:9/hooks/deals';

  it('lets analysts and admins manage webhooks; brokers are refused (403), and another analyst’s are not found', async () => {
    const broker = tier.api(await brokerToken(newPark()));
    for (const res of [await broker.post('/webhooks', { url: nowhere }), await broker.get('/webhooks')]) {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: 403, type: '/problems/forbidden' });
    }
    expect((await tier.api().get('/webhooks')).status).toBe(401);

    // A park no event is for, so nothing is ever posted to it.
    const created = await analyst.post('/webhooks', { url: nowhere, parks: [newPark()], description: '统计局对接' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: nowhere, status: 'active', consecutiveFailures: 0, description: '统计局对接', secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const id: string = created.body.id;
    // The secret is shown once: never again.
    const read = await analyst.get(`/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'active' });
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).not.toHaveProperty('secrets');

    const other = tier.api(await analystToken('analyst-2'));
    expect((await other.get(`/webhooks/${id}`)).status).toBe(404);
    expect((await other.post(`/webhooks/${id}/secret/rotate`)).status).toBe(404);
    expect((await other.send('DELETE', `/webhooks/${id}`)).status).toBe(404);
    expect((await other.get('/webhooks')).body.items.map((w: { id: string }) => w.id)).not.toContain(id);
    const admin = tier.api(await adminToken());
    expect((await admin.get('/webhooks')).body.items.map((w: { id: string }) => w.id)).toContain(id);
    expect((await admin.get(`/webhooks/${id}`)).status).toBe(200);

    expect((await analyst.send('DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await analyst.get(`/webhooks/${id}`)).status).toBe(404);
  });

  it('answers an invalid subscription with a 400 problem naming the field', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['no url', { parks: [newPark()] }, '/url'],
      ['not http(s)', { url: 'ftp://stats.example.gov.cn/hooks' }, '/url'],
      ['a type that is not a deal event', { url: nowhere, types: ['cn.techtransfer.need.captured.v1'] }, '/types'],
      ['a malformed park', { url: nowhere, parks: ['park one'] }, '/parks'],
      ['a null start', { url: nowhere, after: null }, '/after'],
      ['a negative start', { url: nowhere, after: -1 }, '/after'],
      ['a secret of its own', { url: nowhere, secret: 'whsec_mine' }, '/secret'],
    ];
    for (const [what, body, pointer] of cases) {
      const res = await analyst.post('/webhooks', body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect({ what, pointers: res.body.errors.map((e: { pointer: string }) => e.pointer) }).toEqual({ what, pointers: expect.arrayContaining([pointer]) });
    }
    expect((await analyst.get('/webhooks')).body.items.filter((w: { url: string }) => w.url !== nowhere)).toEqual([]);
  });

  it('refuses loopback, private and link-local targets, and credentials in the URL; allows only what the operator allowed', async () => {
    const internal = /loopback, private, link-local/;
    const cases: [string, RegExp][] = [
      ['http://127.0.0.2:8080/hooks', internal], // loopback, though 127.0.0.1 is allowed
      ['http://10.0.0.7/hooks', internal],
      ['http://192.168.1.10/hooks', internal],
      ['http://172.20.0.5/hooks', internal],
      ['http://169.254.169.254/latest/meta-data', internal], // cloud metadata
      ['http://[::1]:8080/hooks', internal],
      ['http://[fd00:ec2::254]/hooks', internal],
      ['http://[::ffff:127.0.0.2]/hooks', internal], // IPv4 written inside IPv6
      ['http://user:secret@127.0.0.1:9/hooks', /must not carry credentials/],
    ];
    for (const [url, reason] of cases) {
      const res = await analyst.post('/webhooks', { url, parks: [newPark()] });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect({ url, errors: res.body.errors }).toEqual({ url, errors: [{ pointer: '/url', reason: expect.stringMatching(reason) }] });
    }
    const listed = (await analyst.get('/webhooks')).body.items.map((w: { url: string }) => w.url);
    expect(listed.filter((u: string) => cases.some(([url]) => url === u))).toEqual([]);
    // The allowed address, as an analyst and as an admin.
    expect((await analyst.post('/webhooks', { url: nowhere, parks: [newPark()] })).status).toBe(201);
    expect((await tier.api(await adminToken()).post('/webhooks', { url: 'http://127.0.0.1:9/admin-hooks', parks: [newPark()] })).status).toBe(201);
  });

  it('posts a deal’s events to the receiver, signed and in order, in the analysts’ view, only of its park and types', async () => {
    const park = newPark();
    const all = await startReceiver();
    const loggedOnly = await startReceiver();
    const sub = await subscribe(all, { parks: [park] });
    const typed = await subscribe(loggedOnly, { parks: [park], types: ['cn.techtransfer.transaction.logged.v2'] });
    // Another park's deal first: the subscriptions pass over its events, in log order, before this park's.
    await deliverAll(chipContract(newPark()).toRegistration());
    const deal = chipContract(park);
    const events = deal.toRegistration();
    await deliverAll(events);

    const received = await eventually(async () => all.accepted, (d) => d.length >= events.length, { timeoutMs: 20_000, what: 'the deal’s six events at the receiver' });
    expect(received.map((d) => d.payload.type)).toEqual(events.map((e) => e.type));
    // The webhook id is the event's id (receivers deduplicate on it); each verified with the subscription's secret.
    expect(received.map((d) => d.webhookId)).toEqual(events.map((e) => e.id));
    expect(all.rejected).toEqual([]);
    expect(all.repeated).toEqual([]);
    expect(received.map((d) => [d.payload.data.dealId, d.payload.data.parkId])).toEqual(events.map(() => [deal.dealId, park]));
    // Parties reduced to role, nature and region: no names leave reporting.
    const registeredV2 = received.find((d) => d.payload.type === 'cn.techtransfer.contract.registered.v2')!;
    expect(registeredV2.payload.data.data.record.parties).toEqual([
      { role: 'buyer', nature: 'enterprise', regionCode: '320506' },
      { role: 'seller', nature: 'research-institute', regionCode: '110108' },
    ]);
    expect(registeredV2.body).not.toContain('中国科学院微电子研究所');

    const typedReceived = await eventually(async () => loggedOnly.accepted, (d) => d.length >= 1, { timeoutMs: 20_000, what: 'the logged transaction at the typed receiver' });
    expect(typedReceived.map((d) => [d.payload.type, d.webhookId])).toEqual([['cn.techtransfer.transaction.logged.v2', events[5].id]]);

    // The subscription is at the last event, and its delivery log holds each post.
    const last = received.at(-1)!.payload.data.id;
    await eventually(() => webhook(sub.id), (w) => w.cursor === last, { what: 'the cursor at the last event' });
    await eventually(() => webhook(typed.id), (w) => w.cursor === last, { what: 'the typed subscription’s cursor past everything' });
    const log = await eventually(() => deliveriesOf(sub.id), (items) => items.length >= events.length, { what: 'six deliveries logged' });
    expect(log.map((d) => [d.outcome, d.statusCode])).toEqual(events.map(() => ['delivered', 204]));
    expect([...log].sort((a, b) => a.seq - b.seq).map((d) => d.webhookId)).toEqual(events.map((e) => e.id));
  });

  it('disables an endpoint that keeps failing, says why, and posts nothing more until it is enabled again', async () => {
    const park = newPark();
    const receiver = await startReceiver();
    const sub = await subscribe(receiver, { parks: [park] });
    // The receiver holds a wrong secret: it answers every delivery 400.
    receiver.secrets = [`whsec_${randomBytes(32).toString('base64')}`];
    const deal = chipContract(park);
    const [opened, signed, ...registration] = deal.toRegistration();
    await deliverAll([opened]);

    const disabled = await eventually(() => webhook(sub.id), (w) => w.status === 'disabled', { timeoutMs: 20_000, what: 'the failing webhook disabled' });
    expect(disabled).toMatchObject({
      status: 'disabled',
      cursor: sub.cursor, // nothing passed over: the failing event waits
      lastError: 'the endpoint answered 400',
      disabledReason: `failing since ${disabled.failingSince}: the endpoint answered 400`,
    });
    // Disabled once the endpoint had failed for WEBHOOK_DISABLE_AFTER, not before.
    expect(Date.parse(disabled.disabledAt) - Date.parse(disabled.failingSince)).toBeGreaterThanOrEqual(3_000);
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(receiver.rejected).toHaveLength(disabled.consecutiveFailures);
    expect(receiver.accepted).toEqual([]);
    const log = await deliveriesOf(sub.id);
    expect(log).toHaveLength(disabled.consecutiveFailures);
    expect(new Set(log.map((d) => `${d.outcome} ${d.statusCode} ${d.webhookId}`))).toEqual(new Set([`failed 400 ${opened.id}`]));

    // More events for it: nothing is posted while it is disabled.
    await deliverAll([signed]);
    await new Promise((r) => setTimeout(r, 2_500)); // more than a retry interval: room for a wrong attempt to show up
    expect(receiver.rejected).toHaveLength(disabled.consecutiveFailures);
    expect(await deliveriesOf(sub.id)).toHaveLength(disabled.consecutiveFailures);
    expect((await webhook(sub.id)).status).toBe('disabled');

    // The receiver fixed (the right secret) and the webhook enabled: it resumes where it stopped.
    receiver.secrets = [sub.secret];
    const enabled = await analyst.post(`/webhooks/${sub.id}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect(enabled.body.disabledReason).toBeUndefined();
    await deliverAll(registration);
    const received = await eventually(async () => receiver.accepted, (d) => d.length >= 6, { timeoutMs: 20_000, what: 'the deal’s events after the webhook was enabled' });
    expect(received.map((d) => d.webhookId)).toEqual([opened, signed, ...registration].map((e) => e.id));
    const healthy = await eventually(() => webhook(sub.id), (w) => w.cursor === received.at(-1)!.payload.data.id, { what: 'the cursor at the last event' });
    expect(healthy).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect(healthy.failingSince).toBeUndefined();
    expect(healthy.lastError).toBeUndefined();
  });

  it('signs with the new and the previous secret after a rotation, and replays under the same webhook ids', async () => {
    const park = newPark();
    const receiver = await startReceiver();
    const sub = await subscribe(receiver, { parks: [park] });
    const [opened, signed] = chipContract(park).toRegistration();
    await deliverAll([opened]);
    const [first] = await eventually(async () => receiver.accepted, (d) => d.length >= 1, { timeoutMs: 20_000, what: 'the first delivery' });
    expect(first.headers['webhook-signature'].split(' ')).toHaveLength(1);

    const rotated = await analyst.post(`/webhooks/${sub.id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(sub.secret);
    expect(Date.parse(rotated.body.previousSecretsValidUntil)).toBeGreaterThan(Date.now());
    // The receiver has switched to the new secret; one that has not would verify too.
    receiver.secrets = [rotated.body.secret];
    await deliverAll([signed]);
    const [, second] = await eventually(async () => receiver.accepted, (d) => d.length >= 2, { timeoutMs: 20_000, what: 'the delivery after the rotation' });
    expect(second.webhookId).toBe(signed.id);
    expect(second.headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [rotated.body.secret, sub.secret]) expect(new Webhook(secret).verify(second.body, second.headers)).toMatchObject({ type: signed.type });
    // The first delivery was signed with the old secret only.
    expect(() => new Webhook(rotated.body.secret).verify(first.body, first.headers)).toThrow();
    expect(receiver.rejected).toEqual([]);

    // Replay from the start of the log: the park's two events again, under the ids already received.
    const replay = await analyst.post(`/webhooks/${sub.id}/replay`, { after: 0 });
    expect(replay.status).toBe(202);
    const repeated = await eventually(async () => receiver.repeated, (d) => d.length >= 2, { timeoutMs: 20_000, what: 'the replayed deliveries' });
    expect(repeated.map((d) => d.webhookId)).toEqual([opened.id, signed.id]);
    expect((await analyst.post(`/webhooks/${sub.id}/replay`, { after: -1 })).status).toBe(400);
  });
});
