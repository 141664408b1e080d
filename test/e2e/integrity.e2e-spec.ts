import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, EVENT_EXAMPLES, EVENT_SOURCES, TOPICS, TransactionLoggedV1, type PayloadOf } from '@tt/contracts';
import { createKafka, encodeCloudEvent } from '@tt/messaging';
import type { Kafka } from 'kafkajs';
import { analystToken, ApiClient, brokerToken, DeadLetterWatch, eventually, KafkaProbe, kafkaPasswordVar, TestSystem } from '@tt/testing';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, inPool, registration, registrationNumber, signature } from './broker-workflow';

const ROUNDS = 20;

/**
 * What the store and the consumers guarantee whatever the timing: a registration number is taken
 * once (the store's unique index decides, not a check before the write), even by two instances of
 * contract-tracking at once, and reporting counts only what contract-tracking really registered.
 */
describe('integrity of registrations and of the totals', () => {
  let system: TestSystem;
  let dlq: KafkaProbe;
  let deadLetters: DeadLetterWatch;
  let reporting: ApiClient;
  const park = `park-int-${Date.now().toString(36)}`;
  const otherPark = `${park}-b`;
  /** Signed deals, two per round, with their amounts. */
  const signed: { dealId: string; contract: number; tech: number }[] = [];

  async function signedDeal(parkId: string, i: number, contract: number, tech: number) {
    const token = await brokerToken(parkId);
    const intake = system.api('intake', token);
    const matching = system.api('matching', token);
    const contracts = system.api('contract-tracking', token);
    const enterpriseId = await createEnterprise(intake, `常州竞态测试企业${i}有限公司`);
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: `低功耗芯片设计需求 竞态 #${i}` }));
    const { proposals } = await awaitProposals(matching, needId, 120_000);
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId, 120_000);
    expect((await contracts.post(`/deals/${dealId}/sign`, signature(contract, tech))).status).toBe(200);
    return { dealId, contract, tech };
  }

  beforeAll(async () => {
    // Two contract-tracking processes on one database, as scaled out: the race below is between them.
    system = await TestSystem.start({ instances: { 'contract-tracking': 2 } });
    deadLetters = await DeadLetterWatch.start(system);
    dlq = await KafkaProbe.start(system.kafka, [system.topic(deadLetterTopicOf(TOPICS.deal))]);
    reporting = system.api('reporting', await analystToken());
    const deals = Array.from({ length: ROUNDS * 2 }, (_, i) => ({ contract: 5_000_000 + i * 1_001, tech: 4_000_000 + i * 3 }));
    await inPool(deals, 8, async (d, i) => {
      signed[i] = await signedDeal(park, i, d.contract, d.tech);
    });
    // Every signature's events are out of the outbox and counted before the tests (the first compares
    // the deal topic's offsets before and after, which a late relay would move).
    await eventually(async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body.funnel, (f) => f?.contracted === ROUNDS * 2, {
      what: 'every signed deal in the funnel',
      timeoutMs: 120_000,
    });
  });

  afterAll(async () => {
    await dlq?.stop();
    await system?.stop();
  });

  it('the broker refuses an unauthenticated producer, and a service writing or reading another service’s topic (deploy/kafka/access.conf)', async () => {
    // npm test runs on the secured local broker (scripts/infra/up): each service has its own login.
    expect(process.env[kafkaPasswordVar('intake')]).toBeTruthy();
    const admin = system.kafka.admin();
    await admin.connect();
    const dealOffsets = () => admin.fetchTopicOffsets(system.topic(TOPICS.deal));
    const before = await dealOffsets();
    const forged = { key: randomUUID(), value: JSON.stringify(EVENT_EXAMPLES['cn.techtransfer.transaction.revoked.v1']) };
    const as = (login: Partial<Parameters<typeof createKafka>[1]>): Kafka => createKafka(`integrity-${randomUUID()}`, { retry: { retries: 0 }, ...login });
    try {
      // No credentials at all: the SASL listener closes the connection before any request.
      const anonymous = as({ sasl: undefined }).producer();
      await expect(anonymous.connect().then(() => anonymous.send({ topic: system.topic(TOPICS.deal), messages: [forged] }))).rejects.toThrow();
      await anonymous.disconnect().catch(() => undefined);

      // intake's own login: refused on the deal topic (contract-tracking's), and on the supply topic it does not read.
      const intakeLogin = { sasl: { mechanism: 'scram-sha-512' as const, username: 'intake', password: process.env[kafkaPasswordVar('intake')]! } };
      const intake = as(intakeLogin).producer();
      await intake.connect();
      await expect(intake.send({ topic: system.topic(TOPICS.deal), messages: [forged] })).rejects.toThrow(/not authorized/i);
      await intake.disconnect();
      const intakeAdmin = as(intakeLogin).admin();
      await intakeAdmin.connect();
      try {
        // Describe of its own topic is granted (the login works), of the supply topic it never reads, not.
        expect((await intakeAdmin.fetchTopicOffsets(system.topic(TOPICS.need))).length).toBe(3);
        await expect(intakeAdmin.fetchTopicOffsets(system.topic(TOPICS.supply))).rejects.toThrow(/not authorized/i);
      } finally {
        await intakeAdmin.disconnect();
      }
      // A wrong password is refused at login.
      const impostor = as({ sasl: { mechanism: 'scram-sha-512', username: 'contract-tracking', password: 'not-the-password-0000' } }).producer();
      await expect(impostor.connect()).rejects.toThrow(/authentication/i);
      await impostor.disconnect().catch(() => undefined);

      expect(await dealOffsets()).toEqual(before); // nothing was written
    } finally {
      await admin.disconnect();
    }
  });

  it(`gives a registration number to exactly one of two deals registering it at once on two instances (${ROUNDS} rounds)`, async () => {
    const token = await brokerToken(park);
    const contracts = system.api('contract-tracking', token);
    // Each of the two racing registrations goes to its own instance (no lock inside one process can decide).
    const instances = system.instances['contract-tracking'].map((p) => new ApiClient(p.url, token));
    expect(new Set(instances.map((i) => i.baseUrl)).size).toBe(2);
    for (let round = 0; round < ROUNDS; round++) {
      const number = registrationNumber();
      const [a, b] = [signed[2 * round], signed[2 * round + 1]];
      // Which instance gets which deal alternates by round.
      const [first, second] = round % 2 === 0 ? instances : [...instances].reverse();
      const answers = await Promise.all([first.post(`/deals/${a.dealId}/register`, registration(number)), second.post(`/deals/${b.dealId}/register`, registration(number))]);
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
      const refused = answers.find((r) => r.status === 409)!;
      expect(refused.body).toMatchObject({ type: '/problems/conflict', detail: 'this registration number is already registered' });
      // The loser is still signed: the refused write changed nothing.
      const loser = answers[0].status === 409 ? a : b;
      expect((await contracts.get(`/deals/${loser.dealId}`)).body.status).toBe('signed');
    }
    const registered = await contracts.get(`/deals?status=registered&pageSize=100`);
    expect(registered.body.total).toBe(ROUNDS);
    expect(new Set(registered.body.items.map((d: { registration: { number: string } }) => d.registration.number)).size).toBe(ROUNDS);
  });

  it('answers a number taken in another park with a 409 that tells nothing about that contract', async () => {
    const taken = (await system.api('contract-tracking', await brokerToken(park)).get('/deals?status=registered&pageSize=1')).body.items[0].registration.number;
    const stranger = await signedDeal(otherPark, 99, 1_000_000, 1_000_000);
    const contracts = system.api('contract-tracking', await brokerToken(otherPark));
    const res = await contracts.post(`/deals/${stranger.dealId}/register`, registration(taken));
    expect(res.status).toBe(409);
    const body = JSON.stringify(res.body);
    expect(body).not.toContain(park);
    for (const d of signed) expect(body).not.toContain(d.dealId);
  });

  it('counts no forged or mismatched transaction, and parks each in the dead-letter topic with the reason', async () => {
    const totals = async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
    const before = await eventually(totals, (t) => t.registered?.count === ROUNDS && t.funnel?.registered === ROUNDS, {
      timeoutMs: 60_000,
      what: 'the registered contracts in the totals',
    });

    const contracts = system.api('contract-tracking', await brokerToken(park));
    const real = (await contracts.get(`/deals?status=registered&pageSize=1`)).body.items[0];
    const transaction = (overrides: Partial<PayloadOf<'cn.techtransfer.transaction.logged.v1'>>): PayloadOf<'cn.techtransfer.transaction.logged.v1'> => ({
      dealId: real.dealId,
      needId: real.needId,
      parkId: park,
      brokerId: real.brokerId,
      enterpriseId: real.enterpriseId,
      regionCode: real.regionCode,
      technicalField: real.technicalField,
      transactionId: real.dealId,
      supplyId: real.supplyId,
      contractType: real.contract.type,
      registrationNumber: real.registration.number,
      signedOn: real.contract.signedOn,
      registeredOn: real.registration.registeredOn,
      contractAmountFen: real.contract.contractAmountFen,
      techTransactionAmountFen: real.contract.techTransactionAmountFen,
      loggedAt: new Date().toISOString(),
      ...overrides,
    });
    const forge = (source: string, data: PayloadOf<'cn.techtransfer.transaction.logged.v1'>) =>
      encodeCloudEvent({ id: randomUUID(), type: TransactionLoggedV1.type, source, subject: data.dealId, time: new Date().toISOString(), traceparent: '', data });
    const unknownDeal = randomUUID();
    const forged = [
      // Right headers, wrong source: anyone with access to the broker writing a transaction of their own.
      forge('/techtransfer/rogue', transaction({ dealId: unknownDeal, transactionId: unknownDeal, contractAmountFen: 9_000_000_000, techTransactionAmountFen: 9_000_000_000 })),
      // The owner's source, but a deal reporting never saw opened, signed and registered.
      forge(EVENT_SOURCES.contractTracking, transaction({ dealId: `${unknownDeal}-2`, transactionId: `${unknownDeal}-2` })),
      // A real registered deal, with an amount that is not the one signed (a new event id, so no dedupe).
      forge(EVENT_SOURCES.contractTracking, transaction({ contractAmountFen: real.contract.contractAmountFen * 10, techTransactionAmountFen: real.contract.techTransactionAmountFen })),
    ];
    const producer = system.kafka.producer();
    await producer.connect();
    await producer.send({ topic: system.topic(TOPICS.deal), messages: forged });
    await producer.disconnect();

    // Reporting parks all three. Intake (a need's status follows its deal) and contract-tracking (its own
    // events schedule reminders) also read the deal topic and ignore transaction logged, but each refuses
    // the untrusted source before anything else.
    const parkedBy = (service: string) => dlq.records.filter((r) => r.headers.dlq_consumer_group === `${system.runId}-${service}`);
    for (const reader of ['intake', 'contract-tracking']) {
      await eventually(async () => parkedBy(reader), (r) => r.length >= 1, { what: `${reader} parks the untrusted event`, timeoutMs: 60_000 });
      expect(parkedBy(reader).map((r) => r.headers.dlq_reason)).toEqual(['untrusted-source']);
    }
    const parked = await eventually(async () => parkedBy('reporting'), (r) => r.length >= 3, { what: 'three dead letters', timeoutMs: 60_000 });
    expect(parked.map((r) => r.headers.dlq_reason).sort()).toEqual(['rejected', 'rejected', 'untrusted-source']);
    expect(parked.map((r) => r.headers.ce_id).sort()).toEqual(forged.map((m) => m.headers!.ce_id as string).sort());
    expect(parked.find((r) => r.key === real.dealId)!.headers.dlq_error).toContain('contractAmountFen');
    await new Promise((r) => setTimeout(r, 2_000)); // room for a wrong count to show up
    expect(await totals()).toEqual(before);
    // Nothing else parked, read from the broker once every consumer group has caught up: the five
    // above, on the deal topic's dead-letter twin, and nothing in any other since the run began.
    expect(await deadLetters.added()).toEqual({ [system.topic(deadLetterTopicOf(TOPICS.deal))]: 5 });
    expect(parkedBy('reporting')).toHaveLength(3);
    expect(dlq.records).toHaveLength(5);
  });

  it('a type on a topic not its own, and real deal events replayed under new ids, change nothing analysts see', async () => {
    const analyst = system.api('reporting', await analystToken('analyst-integrity'));
    const allEvents = async () => {
      const items: { eventId: string; dealId: string; type: string }[] = [];
      for (let after = '0'; ; ) {
        const page = (await analyst.get(`/events?after=${after}&limit=500`)).body;
        items.push(...page.items);
        if (page.items.length === 0 || page.next === after) return items;
        after = page.next;
      }
    };
    const totals = async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
    const totalsBefore = await totals();
    const logBefore = await allEvents();

    // The real deal events of one registered deal, as contract-tracking published them.
    const deals = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.deal)]);
    // A deal that won its registration (half the deals of the race above lost theirs), with its whole chain.
    const dealId = logBefore.find((e) => e.type === 'cn.techtransfer.transaction.logged.v2')!.dealId;
    const chain = logBefore.filter((e) => e.dealId === dealId).length;
    expect(chain).toBeGreaterThanOrEqual(6);
    const real = await eventually(
      async () => deals.records.filter((r) => r.key === dealId && r.headers.ce_type !== 'cn.techtransfer.deal.reminder.v1'),
      (records) => records.length >= chain,
      { what: 'the deal’s own events', timeoutMs: 60_000 },
    );
    await deals.stop();
    const replayed = real.map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers, ce_id: randomUUID() } as Record<string, string> }));
    // A need captured (intake's, from intake) written onto the deal topic.
    const need = { ...EVENT_EXAMPLES['cn.techtransfer.need.captured.v1'], parkId: park, needId: randomUUID() };
    const misplaced = encodeCloudEvent({ id: randomUUID(), type: 'cn.techtransfer.need.captured.v1', source: EVENT_SOURCES.intake, subject: need.needId, time: new Date().toISOString(), traceparent: '', data: need });

    const producer = system.kafka.producer();
    await producer.connect();
    await producer.send({ topic: system.topic(TOPICS.deal), messages: [...replayed, misplaced] });
    await producer.disconnect();

    // Every reader of the deal topic parks the misplaced event as such.
    const misplacedLetters = async () => dlq.records.filter((r) => r.headers.ce_id === misplaced.headers!.ce_id);
    const letters = await eventually(misplacedLetters, (r) => r.length >= 3, { what: 'the misplaced event parked by each reader', timeoutMs: 60_000 });
    expect(letters.map((r) => r.headers.dlq_reason)).toEqual(['wrong-topic', 'wrong-topic', 'wrong-topic']);
    // The replayed events were consumed (redelivery-safe), and added nothing.
    await eventually(async () => (await allEvents()).length, () => true, { what: 'the log' });
    await new Promise((r) => setTimeout(r, 3_000)); // room for a wrong append or count to show up
    const logAfter = await allEvents();
    expect(logAfter.map((e) => e.eventId)).toEqual(logBefore.map((e) => e.eventId));
    expect(await totals()).toEqual(totalsBefore);
    expect((await totals()).funnel).toEqual(totalsBefore.funnel);
  });
});
