import { randomUUID } from 'node:crypto';
import { EVENT_EXAMPLES, type PayloadOf } from '@tt/contracts';
import { brokerToken, eventually, MediumTier, registration, registrationNumber, signature, type ApiClient } from '@tt/testing';

/**
 * Contract tracking's deals in the medium tier: its Nest modules with the platform's HTTP edge, on the
 * real MongoDB-wire server and Redis, Kafka replaced by the captured outbox and direct delivery. The
 * guarded transitions (409, 412, 428), revisions, revocation and reminders are proven here; the e2e
 * tests keep what crosses services.
 */
describe('contract tracking (medium tier): deals', () => {
  let tier: MediumTier;
  let broker: ApiClient;
  let otherPark: ApiClient;
  const park = `park-ct-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'contract-tracking',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
      // Reminders fall due a second after the deal stops moving, so the reminder path runs here.
      env: { DEAL_IDLE_AT_INTENT_AFTER: '1s', DEAL_IDLE_AT_SIGNED_AFTER: '1s' },
    });
    broker = tier.api(await brokerToken(park));
    otherPark = tier.api(await brokerToken(`${park}-other`));
  });

  afterAll(async () => {
    await tier?.stop();
  });

  const accepted = (overrides: Partial<PayloadOf<'cn.techtransfer.match.accepted.v1'>> = {}) =>
    MediumTier.event('cn.techtransfer.match.accepted.v1', {
      ...EVENT_EXAMPLES['cn.techtransfer.match.accepted.v1'],
      needId: `need-${randomUUID()}`,
      proposalId: `prop-${randomUUID()}`,
      parkId: park,
      brokerId: `broker-${park}`,
      acceptedAt: new Date().toISOString(),
      ...overrides,
    });

  async function openDeal(): Promise<string> {
    const event = accepted();
    expect(await tier.deliver(event)).toBe('handled');
    const [opened] = await tier.waitForPublished('cn.techtransfer.deal.opened.v1', 1, (e) => e.data.proposalId === event.data.proposalId);
    return opened.data.dealId;
  }

  it('opens one deal per accepted proposal, whatever the redeliveries', async () => {
    const event = accepted();
    expect(await tier.deliver(event)).toBe('handled');
    expect(await tier.deliver(event)).toBe('duplicate');
    // The same acceptance under a new event id (a producer retry after a lost ack): still one deal.
    expect(await tier.deliver({ ...event, id: randomUUID() })).toBe('handled');
    const opened = await tier.waitForPublished('cn.techtransfer.deal.opened.v1', 1, (e) => e.data.proposalId === event.data.proposalId);
    const list = await broker.get(`/deals?proposalId=${event.data.proposalId}`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ dealId: opened[0].data.dealId, status: 'intent' });
    await new Promise((r) => setTimeout(r, 300)); // a second event would have been relayed by now
    expect(tier.publishedOf('cn.techtransfer.deal.opened.v1').filter((e) => e.data.proposalId === event.data.proposalId)).toHaveLength(1);
  });

  it('refuses an acceptance from a service that does not own the match topic', async () => {
    await expect(tier.deliver({ ...accepted(), source: '/techtransfer/intake' })).rejects.toThrow(/untrusted source/);
  });

  it('keeps another park’s deals out of sight', async () => {
    const dealId = await openDeal();
    expect((await otherPark.get(`/deals/${dealId}`)).status).toBe(404);
    expect((await otherPark.post(`/deals/${dealId}/sign`, signature(1_000_000, 1_000_000))).status).toBe(404);
    expect((await broker.get(`/deals/${dealId}`)).status).toBe(200);
  });

  it('signs and registers once: a second registration is a conflict that changes nothing', async () => {
    const dealId = await openDeal();
    expect((await broker.post(`/deals/${dealId}/register`, registration())).status).toBe(409); // not signed yet
    const signed = await broker.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000));
    expect(signed.status).toBe(200);
    expect(signed.body.status).toBe('signed');
    expect((await broker.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000))).status).toBe(409);
    const number = registrationNumber();
    const registered = await broker.post(`/deals/${dealId}/register`, registration(number));
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ status: 'registered', registration: { revision: 0, record: { registrationNumber: number } } });
    const again = await broker.post(`/deals/${dealId}/register`, registration());
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await broker.get(`/deals/${dealId}`)).body.registration.record.registrationNumber).toBe(number);
    const [logged] = await tier.waitForPublished('cn.techtransfer.transaction.logged.v2', 1, (e) => e.data.dealId === dealId);
    expect(logged.data).toMatchObject({ revision: 0, record: { registrationNumber: number, contractAmountFen: 300_000_000 } });
  });

  it('corrects only against the ETag read (428 without, 412 stale), then revokes, each a new revision', async () => {
    const dealId = await openDeal();
    await broker.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000));
    await broker.post(`/deals/${dealId}/register`, registration(registrationNumber(), '2026-11-22', { techTransactionAmountFen: 240_000_000 }));
    const read = await broker.get(`/deals/${dealId}`);
    const etag = read.headers.get('etag')!;
    const correction = { reason: '技术交易额核定为200万元', techTransactionAmountFen: 200_000_000 };

    expect((await broker.post(`/deals/${dealId}/registration/corrections`, correction)).status).toBe(428);
    const stale = await broker.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': `"${read.body.version - 1}"` });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: '/problems/precondition-failed', currentETag: etag });
    const malformed = await broker.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': 'not-an-etag' });
    expect(malformed.status).toBe(400);
    expect((await broker.get(`/deals/${dealId}`)).body.registration.revision).toBe(0);

    const corrected = await broker.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': etag });
    expect(corrected.status).toBe(200);
    expect(corrected.body.registration).toMatchObject({ revision: 1, record: { techTransactionAmountFen: 200_000_000 } });
    // The same correction on the ETag it was made against: the deal has moved on.
    expect((await broker.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': etag })).status).toBe(412);
    const [correctedEvent] = await tier.waitForPublished('cn.techtransfer.transaction.corrected.v1', 1, (e) => e.data.dealId === dealId);
    expect(correctedEvent.data).toMatchObject({ revision: 1, reverses: { techTransactionAmountFen: 240_000_000 }, restates: { techTransactionAmountFen: 200_000_000 } });

    const revoked = await broker.postWith(`/deals/${dealId}/registration/revoke`, { reason: '经复核不属于技术合同，撤销登记' }, { 'If-Match': corrected.headers.get('etag')! });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', registration: { revision: 2 } });
    const [revokedEvent] = await tier.waitForPublished('cn.techtransfer.transaction.revoked.v1', 1, (e) => e.data.dealId === dealId);
    expect(revokedEvent.data).toMatchObject({ revision: 2, reverses: { techTransactionAmountFen: 200_000_000 } });
    // Nothing changes on a revoked registration, and the status filter finds it.
    expect((await broker.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': revoked.headers.get('etag')! })).status).toBe(409);
    const revokedList = await broker.get(`/deals?status=revoked`);
    expect(revokedList.body.items.map((d: { dealId: string }) => d.dealId)).toContain(dealId);
  });

  it('reminds the broker once of a deal left at intent, and not of one signed in time', async () => {
    const idle = await openDeal();
    const moving = await openDeal();
    await broker.post(`/deals/${moving}/sign`, signature(1_000_000, 1_000_000));
    // The service schedules reminders from its own deal events, which Kafka would bring back to it.
    for (const opened of tier.publishedOf('cn.techtransfer.deal.opened.v1').filter((e) => [idle, moving].includes(e.data.dealId))) {
      expect(await tier.deliver(opened)).toBe('handled');
    }
    const reminders = await eventually(
      async () => tier.publishedOf('cn.techtransfer.deal.reminder.v1').filter((e) => [idle, moving].includes(e.data.dealId)),
      (found) => found.length >= 1,
      { timeoutMs: 20_000, what: 'the idle deal’s reminder' },
    );
    expect(reminders.map((e) => [e.data.dealId, e.data.kind])).toEqual([[idle, 'deal-idle-at-intent']]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(tier.publishedOf('cn.techtransfer.deal.reminder.v1').filter((e) => [idle, moving].includes(e.data.dealId))).toHaveLength(1);
  });
});
