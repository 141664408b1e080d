import { adminToken, brokerToken, TestSystem, type ApiClient } from '@tt/testing';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, creditCode, signature } from './broker-workflow';

/**
 * `Idempotency-Key` on every POST, across the services: the same key and body answer the first
 * result again and change nothing; another body is a 422; without a key nothing changes from before.
 */
describe('Idempotency-Key on every POST', () => {
  let system: TestSystem;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, admin: ApiClient;
  const park = `park-idem-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const token = await brokerToken(park);
    intake = system.api('intake', token);
    matching = system.api('matching', token);
    contracts = system.api('contract-tracking', token);
    admin = system.api('matching', await adminToken());
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('records an enterprise once for a retried POST, and refuses the key with another body', async () => {
    const body = { name: '苏州幂等测试科技有限公司', creditCode: creditCode(), regionCode: '320506' };
    const first = await intake.postWith('/enterprises', body, { 'Idempotency-Key': 'ent-1' });
    expect(first.status).toBe(201);
    const again = await intake.postWith('/enterprises', body, { 'Idempotency-Key': 'ent-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    // Without the key the same body is a new request: the credit code is taken, so 409.
    expect((await intake.post('/enterprises', body)).status).toBe(409);
    const other = await intake.postWith('/enterprises', { ...body, name: '另一家' }, { 'Idempotency-Key': 'ent-1' });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
    expect((await intake.postWith('/enterprises', body, { 'Idempotency-Key': 'not a key' })).status).toBe(400);
    expect((await intake.get('/enterprises')).body.total).toBe(1);
  });

  it('answers a retried transition with its first answer instead of a 409, and lists one catalogue item for a retried POST', async () => {
    const enterpriseId = await createEnterprise(intake, '苏州幂等签约科技有限公司');
    const needId = await captureNeed(intake, chipNeed(enterpriseId));
    const { proposals } = await awaitProposals(matching, needId);
    const accept = await matching.postWith(`/proposals/${proposals[0].proposalId}/accept`, {}, { 'Idempotency-Key': 'accept-1' });
    expect(accept.status).toBe(200);
    expect((await matching.postWith(`/proposals/${proposals[0].proposalId}/accept`, {}, { 'Idempotency-Key': 'accept-1' })).status).toBe(200);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    const signed = await contracts.postWith(`/deals/${dealId}/sign`, signature(100_000_000, 80_000_000), { 'Idempotency-Key': 'sign-1' });
    expect(signed.status).toBe(200);
    const retried = await contracts.postWith(`/deals/${dealId}/sign`, signature(100_000_000, 80_000_000), { 'Idempotency-Key': 'sign-1' });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(signed.body);
    expect((await contracts.post(`/deals/${dealId}/sign`, signature(100_000_000, 80_000_000))).status).toBe(409); // no key: the state machine answers

    const item = { kind: 'expert', name: '赵明 研究员（幂等）', summary: '功率半导体封装可靠性', technicalField: 'electronic-information', keywords: ['功率器件'], regionCode: '320506', trl: 5 };
    const listed = await admin.postWith('/catalogue', item, { 'Idempotency-Key': 'item-1' });
    const relisted = await admin.postWith('/catalogue', item, { 'Idempotency-Key': 'item-1' });
    expect([listed.status, relisted.status]).toEqual([201, 201]);
    expect(relisted.body.id).toBe(listed.body.id);
    expect(relisted.headers.get('location')).toBe(`/catalogue/${listed.body.id}`);
    const named = (await admin.get('/catalogue?kind=expert&pageSize=100')).body.items.filter((i: { name: string }) => i.name === item.name);
    expect(named).toHaveLength(1);
  });
});
