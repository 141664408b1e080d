import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, EVENT_SOURCES, TOPICS, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { encodeCloudEvent } from '@tt/messaging';
import { analystToken, brokerToken, eventually, KafkaProbe, TestSystem, type ApiClient } from '@tt/testing';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, registration, registrationNumber, signature } from './broker-workflow';

type Corrected = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
type Revoked = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;
type Registered = PayloadOf<'cn.techtransfer.contract.registered.v1'>;
type RegisteredV2 = PayloadOf<'cn.techtransfer.contract.registered.v2'>;
type LoggedV2 = PayloadOf<'cn.techtransfer.transaction.logged.v2'>;

/**
 * Issue 15: what a producer holding write access to the deal topic may still do. Events under
 * contract-tracking's own source, onto the deal topic, through the same Kafka client the services use
 * (so this keeps working once the broker asks for credentials): a correction multiplying a real
 * transaction's amounts by ten and revocations of it that do not follow what reporting holds change
 * nothing in the totals and are dead-lettered with the reason, while a genuine correction through
 * contract-tracking's API applies, once, whatever its redeliveries. Nor can a registration be
 * registered anew with other figures (outside the revision chain).
 */
describe('forged corrections, revocations and registrations of a real transaction', () => {
  let system: TestSystem;
  let dlq: KafkaProbe;
  let deals: KafkaProbe;
  let reporting: ApiClient;
  let contracts: ApiClient;
  const park = `park-forge-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    dlq = await KafkaProbe.start(system.kafka, [system.topic(deadLetterTopicOf(TOPICS.deal))]);
    deals = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.deal)]);
    reporting = system.api('reporting', await analystToken());
    contracts = system.api('contract-tracking', await brokerToken(park));
  });

  afterAll(async () => {
    await dlq?.stop();
    await deals?.stop();
    await system?.stop();
  });

  const totals = async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
  const parked = () => dlq.records.filter((r) => r.headers.dlq_consumer_group === `${system.runId}-reporting`);

  /** Onto the deal topic under contract-tracking's source, with the producer the services use. */
  async function produce(events: { type: string; data: Corrected | Revoked | Registered | RegisteredV2 | LoggedV2 }[]) {
    const messages = events.map(({ type, data }) =>
      encodeCloudEvent({ id: randomUUID(), type, source: EVENT_SOURCES.contractTracking, subject: data.dealId, time: new Date().toISOString(), traceparent: '', data }),
    );
    const producer = system.kafka.producer();
    await producer.connect();
    await producer.send({ topic: system.topic(TOPICS.deal), messages });
    await producer.disconnect();
    return messages.map((m) => m.headers!.ce_id as string);
  }

  /** A deal signed for 3,000,000.00 元 (2,500,000.00 技术交易额) and registered with 2,400,000.00 accepted, through the APIs. */
  async function registeredDeal(): Promise<string> {
    const broker = await brokerToken(park);
    const intake = system.api('intake', broker);
    const matching = system.api('matching', broker);
    const needId = await captureNeed(intake, chipNeed(await createEnterprise(intake)));
    const { proposals } = await awaitProposals(matching, needId);
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    expect((await contracts.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000))).status).toBe(200);
    expect((await contracts.post(`/deals/${dealId}/register`, registration(registrationNumber(), '2026-11-22', { techTransactionAmountFen: 240_000_000 }))).status).toBe(201);
    return dealId;
  }

  it('counts none of them and parks each with the reason; a genuine correction applies once', async () => {
    const dealId = await registeredDeal();
    const before = await eventually(totals, (t) => t.registered?.count === 1 && t.byContractSubtype.every((r: { key: string | null }) => r.key !== null), {
      what: 'the registered contract in the totals, with its record',
      timeoutMs: 60_000,
    });
    expect(before.registered).toMatchObject({ contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 });

    // What anyone reading the topic (or the API) knows of the real transaction: its context, record and revision.
    const read = await contracts.get(`/deals/${dealId}`);
    const real = read.body;
    const record: RegistryRecord = real.registration.record;
    expect(real.registration.revision).toBe(0);
    const context = {
      dealId,
      needId: real.needId,
      parkId: park,
      brokerId: real.brokerId,
      enterpriseId: real.enterpriseId,
      regionCode: real.regionCode,
      technicalField: real.technicalField,
      transactionId: dealId,
    };
    const at = () => new Date().toISOString();
    const tenfold: RegistryRecord = { ...record, contractAmountFen: record.contractAmountFen * 10, techTransactionAmountFen: record.techTransactionAmountFen * 10 };
    const forged = await produce([
      // The next revision, reversing the record exactly as it stands: only the figures give it away.
      {
        type: 'cn.techtransfer.transaction.corrected.v1',
        data: { ...context, revision: 1, reverses: record, restates: tenfold, reason: '登记金额补正', at: at() },
      },
      // The revocation the tester sent after it: it follows the forged correction, not what reporting holds.
      { type: 'cn.techtransfer.transaction.revoked.v1', data: { ...context, revision: 2, reverses: tenfold, reason: '撤销登记', at: at() } },
      // The right revision and record, but not the transaction's deal: another need and broker.
      {
        type: 'cn.techtransfer.transaction.revoked.v1',
        data: { ...context, needId: randomUUID(), brokerId: 'broker-forged', revision: 1, reverses: record, reason: '撤销登记', at: at() },
      },
    ]);

    const letters = await eventually(async () => parked(), (r) => r.length >= 3, { what: 'the three forged changes parked by reporting', timeoutMs: 60_000 });
    expect(letters.map((r) => r.headers.ce_id)).toEqual(forged);
    expect(letters.map((r) => r.headers.dlq_reason)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(letters[0].headers.dlq_error).toContain('a correction cannot raise contractAmountFen to 3000000000, above both the amount signed (300000000)');
    expect(letters[1].headers.dlq_error).toContain('the transaction stands at revision 0, so the next change is 1');
    expect(letters[2].headers.dlq_error).toContain("its deal context is not the transaction's: needId, brokerId");
    await new Promise((r) => setTimeout(r, 2_000)); // room for a wrong count to show up
    expect(await totals()).toEqual(before);

    // A genuine correction, through contract-tracking's API: applies.
    const corrected = await contracts.postWith(
      `/deals/${dealId}/registration/corrections`,
      { reason: '技术交易额核定为200万元', techTransactionAmountFen: 200_000_000 },
      { 'If-Match': read.headers.get('etag')! },
    );
    expect(corrected.status).toBe(200);
    expect(corrected.body.registration.revision).toBe(1);
    const after = await eventually(totals, (t) => t.registered.techTransactionAmountFen === 200_000_000, { what: 'the genuine correction in the totals', timeoutMs: 60_000 });
    expect(after.registered).toMatchObject({ count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 200_000_000 });

    // Its own event replayed under a new id (a redelivery, as the replay tool would make it): a no-op,
    // not a dead letter. And a revocation claiming the revision now held, of the record as it stood
    // before: another change at a revision reporting holds, refused.
    const genuine = await eventually(
      async () => deals.records.find((r) => r.key === dealId && r.headers.ce_type === 'cn.techtransfer.transaction.corrected.v1' && !forged.includes(r.headers.ce_id!)),
      (r) => r !== undefined,
      { what: 'the genuine correction on the deal topic' },
    );
    const replayed = await produce([{ type: 'cn.techtransfer.transaction.corrected.v1', data: JSON.parse(genuine!.value!) }]);
    const [stale] = await produce([{ type: 'cn.techtransfer.transaction.revoked.v1', data: { ...context, revision: 1, reverses: record, reason: '撤销登记', at: at() } }]);
    // Both on the deal's partition, in this order: once the revocation is parked, the replay has been handled.
    await eventually(async () => parked(), (r) => r.length >= 4, { what: 'the revocation at a revision held, parked', timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 2_000)); // room for the replay to be parked or counted, wrongly
    expect(parked().map((r) => r.headers.ce_id)).toEqual([...forged, stale]);
    expect(parked()[3].headers.dlq_error).toContain('revision 1 is already held as another change');
    expect(parked().map((r) => r.headers.ce_id)).not.toContain(replayed[0]);
    expect(await totals()).toEqual(after);
    // Analysts saw the genuine correction once, and nothing forged.
    const log = (await reporting.get(`/events?after=0&limit=500`)).body.items.filter((e: { dealId: string }) => e.dealId === dealId);
    expect(log.map((e: { type: string }) => e.type).filter((t: string) => t.startsWith('cn.techtransfer.transaction.') && !t.includes('logged'))).toEqual([
      'cn.techtransfer.transaction.corrected.v1',
    ]);
  });
  it('a registration is not registered anew: a second record (amounts ×10) and its logged transaction count nowhere', async () => {
    const before = await totals();
    const dealId = await registeredDeal();
    // Counted (transaction logged v1) and with its registry fields (v2): no row left under 未登记细目.
    const withIt = await eventually(totals, (t) => t.registered.count === before.registered.count + 1 && t.byContractSubtype.every((r: { key: string | null }) => r.key !== null), {
      what: 'the second contract in the totals, with its record',
      timeoutMs: 60_000,
    });
    const real = (await contracts.get(`/deals/${dealId}`)).body;
    const record: RegistryRecord = real.registration.record;
    const context = { dealId, needId: real.needId, parkId: park, brokerId: real.brokerId, enterpriseId: real.enterpriseId, regionCode: real.regionCode, technicalField: real.technicalField };
    const tenfold: RegistryRecord = { ...record, contractAmountFen: record.contractAmountFen * 10, techTransactionAmountFen: record.techTransactionAmountFen * 10 };
    const earlier = parked().length;
    const at = new Date().toISOString();
    const forged = await produce([
      // Registered again under another number (which would drop the record held)…
      { type: 'cn.techtransfer.contract.registered.v1', data: { ...context, registrationNumber: registrationNumber(), registeredOn: record.registeredOn, registeredAt: at } },
      // …or the same registration with a record of ten times the amounts, and its logged transaction (revision 0).
      { type: 'cn.techtransfer.contract.registered.v2', data: { ...context, record: tenfold, registeredAt: at } },
      {
        type: 'cn.techtransfer.transaction.logged.v2',
        data: { ...context, transactionId: dealId, revision: 0, supplyId: real.supplyId, supplyKind: real.supplyKind, record: tenfold, loggedAt: at },
      },
    ]);
    const letters = await eventually(async () => parked().slice(earlier), (r) => r.length >= 3, { what: 'the forged registration parked by reporting', timeoutMs: 60_000 });
    expect(letters.map((r) => r.headers.ce_id)).toEqual(forged);
    expect(letters.map((r) => r.headers.dlq_reason)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(letters[0].headers.dlq_error).toContain('holds as registered under another number or date');
    expect(letters[1].headers.dlq_error).toContain('another registry record is already held');
    expect(letters[2].headers.dlq_error).toContain('does not carry the record registered');
    await new Promise((r) => setTimeout(r, 2_000)); // room for a wrong count to show up
    expect(await totals()).toEqual(withIt);
  });
});
