import { analystToken, brokerToken, eventually, KafkaProbe, TestSystem, type ApiClient } from '@tt/testing';
import { TOPICS } from '@tt/contracts';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, creditCode, registration, signature } from './broker-workflow';

/**
 * A need after its capture, through the public APIs: revised under optimistic concurrency, withdrawn,
 * its status following matching and the deal (and going back when the deal is cancelled), closed; the
 * enterprise's region checked and named, and the enterprise revisable.
 */
describe('needs that live', () => {
  let system: TestSystem;
  let probe: KafkaProbe;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, reporting: ApiClient;
  let enterpriseId: string;
  const park = `park-${Date.now().toString(36)}`;

  const needOf = async (id: string) => (await intake.get(`/needs/${id}`)).body;
  const awaitStatus = (id: string, status: string) =>
    eventually(() => needOf(id), (n) => n.status === status, { timeoutMs: 60_000, what: `need ${id} ${status}` });
  const eventsOf = (topic: string, key: string) =>
    probe.records.filter((r) => r.topic === system.topic(topic) && r.key === key).map((r) => r.headers.ce_type);

  beforeAll(async () => {
    system = await TestSystem.start();
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    contracts = system.api('contract-tracking', broker);
    reporting = system.api('reporting', await analystToken());
    probe = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.need), system.topic(TOPICS.deal)]);
    enterpriseId = await createEnterprise(intake);
  }, 180_000);

  afterAll(async () => {
    await probe?.stop();
    await system?.stop();
  });

  it('checks region codes against GB/T 2260, names them, and revises an enterprise under If-Match', async () => {
    const unknown = await intake.post('/enterprises', { name: '某科技有限公司', creditCode: creditCode(), regionCode: '339999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ pointer: '/regionCode', reason: expect.stringContaining('GB/T 2260') })]);

    const read = await intake.get(`/enterprises/${enterpriseId}`);
    expect(read.body.regionName).toBe('江苏省苏州市吴中区');
    const etag = read.headers.get('etag')!;
    expect(etag).toBe('"0"');

    expect((await intake.send('PATCH', `/enterprises/${enterpriseId}`, JSON.stringify({ regionCode: '330206' }))).status).toBe(428);
    const stale = await intake.send('PATCH', `/enterprises/${enterpriseId}`, JSON.stringify({ regionCode: '330206' }), 'application/json', { 'If-Match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: '/problems/precondition-failed', currentETag: '"0"' });
    const immutable = await intake.send('PATCH', `/enterprises/${enterpriseId}`, JSON.stringify({ creditCode: creditCode() }), 'application/json', { 'If-Match': etag });
    expect(immutable.status).toBe(400);
    expect((await intake.get(`/enterprises/${enterpriseId}`)).body.regionCode).toBe('320506'); // nothing changed

    const revised = await intake.send('PATCH', `/enterprises/${enterpriseId}`, JSON.stringify({ regionCode: '330206' }), 'application/json', { 'If-Match': etag });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ regionCode: '330206', regionName: '浙江省宁波市北仑区' });
    expect(revised.headers.get('etag')).toBe('"1"');
  });

  it('revises a need only with the current ETag, and matching scores the revision', async () => {
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '低功耗芯片设计（待修订）' }));
    await awaitProposals(matching, needId);
    const proposed = await awaitStatus(needId, 'proposed');
    const etag = (await intake.get(`/needs/${needId}`)).headers.get('etag')!;
    expect(proposed.etag).toBe(etag);

    const body = JSON.stringify({ title: '低功耗物联网芯片设计与流片验证', keywords: ['芯片设计', '流片', '低功耗'] });
    const missing = await intake.send('PATCH', `/needs/${needId}`, body);
    expect(missing.status).toBe(428);
    const stale = await intake.send('PATCH', `/needs/${needId}`, body, 'application/json', { 'If-Match': '"999"' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentETag).toBe(etag);
    expect((await needOf(needId)).title).toBe('低功耗芯片设计（待修订）'); // a stale write changes nothing

    const badBudget = await intake.send('PATCH', `/needs/${needId}`, JSON.stringify({ budgetMinFen: 900_000_000 }), 'application/json', { 'If-Match': etag });
    expect(badBudget.status).toBe(400);
    expect(badBudget.body.errors[0].pointer).toBe('/budgetMinFen');

    const revised = await intake.send('PATCH', `/needs/${needId}`, body, 'application/json', { 'If-Match': etag });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ title: '低功耗物联网芯片设计与流片验证', revision: 1, status: 'proposed' });
    expect(revised.headers.get('etag')).not.toBe(etag);
    // The same If-Match again is now stale: of two brokers editing the same version, one wins.
    expect((await intake.send('PATCH', `/needs/${needId}`, body, 'application/json', { 'If-Match': etag })).status).toBe(412);

    await eventually(() => Promise.resolve(eventsOf(TOPICS.need, needId)), (types) => types.includes('cn.techtransfer.need.revised.v1'), {
      what: 'need revised on Kafka',
    });
    const rescored = await eventually(() => matching.get(`/needs/${needId}/proposals`), (r) => r.body.revision === 1, {
      timeoutMs: 60_000,
      what: 'matching scored revision 1',
    });
    expect(rescored.body.proposals.length).toBeGreaterThan(0);
  });

  it('captures and revises what is wanted and what is hard, and need captured and need revised carry it', async () => {
    const wanted = {
      supplyKinds: ['institution', 'expert'],
      minTrl: 6,
      neededWithinMonths: 12,
      preferredRegionCodes: ['320500', '310000'],
      excludedRegionCodes: ['110000'],
      hardConstraints: ['region', 'maturity', 'eligibility'],
    };
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '车规级芯片封装工艺（限长三角）', ...wanted }));
    const read = await intake.get(`/needs/${needId}`);
    expect(read.body).toMatchObject(wanted);
    const payloads = (type: string) =>
      Promise.resolve(probe.records.filter((r) => r.topic === system.topic(TOPICS.need) && r.key === needId && r.headers.ce_type === type).map((r) => JSON.parse(r.value!)));
    const [captured] = await eventually(() => payloads('cn.techtransfer.need.captured.v1'), (p) => p.length > 0, { what: 'need captured on Kafka' });
    // The enterprise's qualifications come from its record (createEnterprise records two).
    expect(captured).toMatchObject({ ...wanted, enterpriseQualifications: ['high-tech-enterprise', 'listed-company'] });
    expect(captured).not.toHaveProperty('contact');

    // A revision is checked as the need would stand: 310000 is already preferred, so it cannot be excluded.
    // Matching's proposals move the need on (status and ETag) on their own while this runs: each revision
    // reads the current ETag first and, on a 412 from such a move in between, reads again, as a broker's client does.
    const patch = async (body: object) => {
      for (let attempt = 1; ; attempt++) {
        const etag = (await intake.get(`/needs/${needId}`)).headers.get('etag')!;
        const answer = await intake.send('PATCH', `/needs/${needId}`, JSON.stringify(body), 'application/json', { 'If-Match': etag });
        if (answer.status !== 412 || attempt === 5) return answer;
      }
    };
    const overlap = await patch({ excludedRegionCodes: ['310000'] });
    expect({ status: overlap.status, errors: overlap.body.errors }).toEqual({ status: 400, errors: [expect.objectContaining({ pointer: '/excludedRegionCodes' })] });
    const revised = await patch({ hardConstraints: ['budget'], minTrl: 7 });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ ...wanted, hardConstraints: ['budget'], minTrl: 7, revision: 1 });
    const [restated] = await eventually(() => payloads('cn.techtransfer.need.revised.v1'), (p) => p.length > 0, { what: 'need revised on Kafka' });
    expect(restated).toMatchObject({ ...wanted, hardConstraints: ['budget'], minTrl: 7, revision: 1, enterpriseQualifications: ['high-tech-enterprise', 'listed-company'] });
  });

  it('withdraws a need: matching accepts none of its proposals, and a second withdrawal is a 409', async () => {
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '芯片封装需求（将撤回）' }));
    const { proposals } = await awaitProposals(matching, needId);
    const withdrawn = await intake.post(`/needs/${needId}/withdraw`, { reason: '企业调整研发计划' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawal: { reason: '企业调整研发计划' } });
    expect((await intake.post(`/needs/${needId}/withdraw`, { reason: '再次撤回' })).status).toBe(409);
    expect((await intake.post(`/needs/${needId}/close`, { outcome: 'resolved' })).status).toBe(409);

    await eventually(() => Promise.resolve(eventsOf(TOPICS.need, needId)), (types) => types.includes('cn.techtransfer.need.withdrawn.v1'), {
      what: 'need withdrawn on Kafka',
    });
    // Once matching has the withdrawal, it answers with it and refuses to accept the need's proposals.
    await eventually(() => matching.get(`/needs/${needId}/proposals`), (r) => r.body.ended === 'withdrawn', { what: 'matching saw the withdrawal' });
    const refused = await matching.post(`/proposals/${proposals[0].proposalId}/accept`);
    expect(refused.status).toBe(409);
    expect((await intake.get(`/needs?status=withdrawn`)).body.items.map((n: { id: string }) => n.id)).toContain(needId);
  });

  it('follows the deal: negotiating, contracted, back to proposed when cancelled, then registered and closed', async () => {
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '车规芯片联合设计' }));
    const { proposals } = await awaitProposals(matching, needId);
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    await awaitStatus(needId, 'negotiating');
    const firstDeal = await awaitDealFor(contracts, proposals[0].proposalId);
    expect((await contracts.post(`/deals/${firstDeal}/sign`, signature(100_000_000, 80_000_000))).status).toBe(200);
    await awaitStatus(needId, 'contracted');
    // Revising is for needs not yet in negotiation.
    const etag = (await intake.get(`/needs/${needId}`)).headers.get('etag')!;
    expect((await intake.send('PATCH', `/needs/${needId}`, JSON.stringify({ title: '改名' }), 'application/json', { 'If-Match': etag })).status).toBe(409);

    expect((await contracts.post(`/deals/${firstDeal}/cancel`, { reason: '双方未就价格达成一致' })).status).toBe(200);
    const back = await awaitStatus(needId, 'proposed');
    expect(back.history.map((h: { status: string }) => h.status)).toEqual(['open', 'proposed', 'negotiating', 'contracted', 'proposed']);
    await eventually(() => Promise.resolve(eventsOf(TOPICS.deal, firstDeal)), (types) => types.includes('cn.techtransfer.deal.cancelled.v1'), {
      what: 'deal cancelled on Kafka',
    });
    const cancelledFunnel = await eventually(
      async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body.funnel,
      (f) => f?.cancelledDeals === 1,
      { what: 'the cancellation in the funnel' },
    );
    expect(cancelledFunnel.contracted).toBe(0);

    // A second proposal becomes the contract that is registered.
    expect((await matching.post(`/proposals/${proposals[1].proposalId}/accept`)).status).toBe(200);
    const secondDeal = await awaitDealFor(contracts, proposals[1].proposalId);
    expect((await contracts.post(`/deals/${secondDeal}/sign`, signature(200_000_000, 150_000_000))).status).toBe(200);
    expect((await contracts.post(`/deals/${secondDeal}/register`, registration())).status).toBe(201);
    await awaitStatus(needId, 'registered');
    const funnel = await eventually(
      async () => (await reporting.get(`/totals?year=2026&parkId=${park}`)).body.funnel,
      (f) => f?.registered === 1,
      { what: 'the registration in the funnel' },
    );
    expect(funnel).toMatchObject({ contracted: 1, registered: 1, cancelledDeals: 1 });

    expect((await intake.post(`/needs/${needId}/withdraw`, { reason: '太晚了' })).status).toBe(409);
    const closed = await intake.post(`/needs/${needId}/close`, { outcome: 'resolved', note: '已签订并登记技术开发合同' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closure: { outcome: 'resolved' } });
  });
});
