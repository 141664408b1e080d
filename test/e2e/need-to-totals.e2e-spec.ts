import { analystToken, brokerToken, eventually, KafkaProbe, TestSystem, type ApiClient } from '@tt/testing';
import { TOPICS } from '@tt/contracts';
import { DEVELOPMENT_SIGNING_KEY, signToken } from '@tt/platform';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, DEAL_TO_REGISTRATION, funnelReached, registration, registrationNumber, signature } from './broker-workflow';

/**
 * One need, driven over HTTP through the four services (separate processes, real Kafka, the
 * MongoDB-wire server and Redis) to a registered contract; the totals move by exactly its amounts,
 * and an analyst's Kafka subscriber sees the deal's CloudEvents.
 */
describe('a need travels to reported totals', () => {
  let system: TestSystem;
  let probe: KafkaProbe;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, reporting: ApiClient;
  const park = `park-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    contracts = system.api('contract-tracking', broker);
    reporting = system.api('reporting', await analystToken());
    probe = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.deal)]);
  });

  afterAll(async () => {
    await probe?.stop();
    await system?.stop();
  });

  it('captures, matches, contracts, registers and reports exactly once', async () => {
    const before = (await reporting.get(`/totals?year=2026&parkId=${park}`)).body;
    expect(before.registered.count).toBe(0);

    const enterpriseId = await createEnterprise(intake);
    const needId = await captureNeed(intake, chipNeed(enterpriseId));

    // Matching proposes the CAS chip-design platform first, with its reasons.
    const { proposals } = await awaitProposals(matching, needId);
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals[0].supplyId).toBe('inst-0001');
    expect(proposals[0].reasons.map((r) => r.kind)).toEqual(expect.arrayContaining(['terms', 'field']));

    const accepted = await matching.post(`/proposals/${proposals[0].proposalId}/accept`);
    expect(accepted.status).toBe(200);
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(409);

    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    // Registration before signing is not a permitted transition, and changes nothing.
    const early = await contracts.post(`/deals/${dealId}/register`, registration());
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toContain('application/problem+json');
    expect((await contracts.get(`/deals/${dealId}`)).body.status).toBe('intent');

    const signed = await contracts.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000));
    expect(signed.status).toBe(200);
    const number = registrationNumber();
    const registered = await contracts.post(`/deals/${dealId}/register`, registration(number));
    expect(registered.status).toBe(201);
    expect(registered.body.status).toBe('registered');
    // A second registration is refused: the transaction is logged once.
    expect((await contracts.post(`/deals/${dealId}/register`, registration(number))).status).toBe(409);

    const after = await eventually(
      async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body,
      (t) => t.registered.count === 1 && funnelReached(t.funnel, 1),
      { what: 'totals to include the registered contract, and the need at every funnel stage' },
    );
    expect(after.registered).toMatchObject({ count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000 });
    // Every month from January to the last with a contract is listed (empty ones with zeros), so 累计 reads straight down.
    expect(after.byMonth.filter((m: { count: number }) => m.count > 0)).toEqual([expect.objectContaining({ month: '2026-11', count: 1, contractAmountFen: 300_000_000 })]);
    expect(after.byMonth).toHaveLength(11);
    expect(after.byMonth.at(-1)).toMatchObject({ yearToDate: { count: 1, contractAmountFen: 300_000_000 } });
    expect(after.byContractType).toEqual([{ key: 'development', label: '技术开发', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000 }]);
    expect(after.byRegion).toEqual([{ key: '320506', label: '吴中区', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000 }]);
    expect(after.funnel).toEqual({ captured: 1, matched: 1, accepted: 1, contracted: 1, registered: 1, cancelledDeals: 0 });
    // The cohort of the month the need was captured (China time), with its conversion rates.
    const cohort = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    expect(after.funnelByCohort).toEqual([
      {
        cohort,
        captured: 1,
        matched: 1,
        accepted: 1,
        contracted: 1,
        registered: 1,
        rejectedProposals: 0,
        cancelledDeals: 0,
        conversion: { matched: 1, accepted: 1, contracted: 1, registered: 1 },
      },
    ]);

    // The analyst's subscriber sees the deal's events in order, as CloudEvents in binary mode.
    const dealEvents = await eventually(
      async () => probe.records.filter((r) => r.key === dealId),
      (records) => records.length >= 6,
      { what: 'deal events on Kafka' },
    );
    expect(dealEvents.map((r) => r.headers.ce_type)).toEqual(DEAL_TO_REGISTRATION);
    for (const record of dealEvents) {
      expect(record.headers).toMatchObject({
        ce_specversion: '1.0',
        ce_source: '/techtransfer/contract-tracking',
        ce_subject: dealId,
        'content-type': 'application/json',
      });
      expect(record.headers.ce_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(record.headers.ce_time!))).toBe(false);
      expect(record.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
    }
    const logged = JSON.parse(dealEvents[4].value!);
    expect(logged).toMatchObject({ dealId, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000, contractType: 'development' });
    expect(JSON.stringify(dealEvents.map((r) => r.value))).not.toContain('13912345678'); // no contact data in events
  });

  it('keeps parks apart and analysts away from needs', async () => {
    const enterpriseId = await createEnterprise(intake, '昆山另一家企业有限公司');
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '碳化硅功率器件封装工艺改进' }));
    const otherBroker = await brokerToken(`${park}-other`);
    const otherIntake = intake.as(otherBroker);
    expect((await otherIntake.get(`/needs/${needId}`)).status).toBe(404);
    expect((await otherIntake.get(`/enterprises/${enterpriseId}`)).status).toBe(404);
    expect((await otherIntake.get('/needs')).body.total).toBe(0);
    const { proposals } = await awaitProposals(matching, needId);
    expect((await matching.as(otherBroker).post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(404);
    expect((await matching.as(otherBroker).get(`/needs/${needId}/proposals`)).status).toBe(404);
    const analyst = intake.as(await analystToken());
    expect((await analyst.get(`/needs/${needId}`)).status).toBe(403);
    expect((await intake.as('not-a-token').get('/needs')).status).toBe(401);
    // The services trust only the issuer's public key: a well-formed token signed with any other key
    // (here the published development key) is refused, whatever it claims.
    const minted = await signToken({ subject: 'intruder', role: 'broker', parkId: park }, DEVELOPMENT_SIGNING_KEY);
    expect((await intake.as(minted).get(`/needs/${needId}`)).status).toBe(401);
  });
});
