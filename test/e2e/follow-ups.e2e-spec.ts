import { MAX_FOLLOW_UPS } from '@tt/platform';
import { brokerToken, eventually, TestSystem, type ApiClient } from '@tt/testing';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, signature } from './broker-workflow';

/**
 * Follow-ups and reminders (专员跟踪), with the waits configured short: a proposal left without a
 * decision and a deal left at intent each raise a reminder (BullMQ delayed jobs in matching and
 * contract-tracking, events on their topics) that reaches the broker's overdue list in intake, and
 * clears itself when the broker acts. Follow-ups are logged on the need and the deal.
 */
describe('follow-ups and reminders', () => {
  let system: TestSystem;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient;
  const park = `park-fu-${Date.now().toString(36)}`;
  const broker = `broker-${park}`;

  beforeAll(async () => {
    system = await TestSystem.start({ env: { matching: { PROPOSAL_IDLE_AFTER: '3s' }, 'contract-tracking': { DEAL_IDLE_AT_INTENT_AFTER: '3s' } } });
    const token = await brokerToken(park, broker);
    intake = system.api('intake', token);
    matching = system.api('matching', token);
    contracts = system.api('contract-tracking', token);
  });

  afterAll(async () => {
    await system?.stop();
  });

  const openReminders = async () => (await intake.get('/reminders?pageSize=100')).body as { total: number; items: { id: string; kind: string; needId: string; proposalId?: string; dealId?: string; overdueSeconds: number }[] };

  it('reminds the broker of an idle proposal and an idle deal, and clears each when acted on', async () => {
    const enterpriseId = await createEnterprise(intake);
    const needId = await captureNeed(intake, chipNeed(enterpriseId));
    const { proposals } = await awaitProposals(matching, needId);
    expect((await openReminders()).total).toBe(0); // nothing is due yet

    // After the configured wait, each undecided proposal is on the broker's overdue list.
    const due = await eventually(openReminders, (r) => r.total === proposals.length, { timeoutMs: 60_000, what: 'a reminder per idle proposal' });
    expect(due.items.map((r) => r.kind)).toEqual(proposals.map(() => 'proposal-undecided'));
    expect(new Set(due.items.map((r) => r.proposalId))).toEqual(new Set(proposals.map((p) => p.proposalId)));
    expect(due.items.every((r) => r.needId === needId)).toBe(true);

    // Deciding clears the reminder; the others stay.
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    if (proposals.length > 1) expect((await matching.post(`/proposals/${proposals[1].proposalId}/reject`, { reasonCode: 'wrong-field', reason: '能力不匹配' })).status).toBe(200);
    const afterDecisions = await eventually(openReminders, (r) => !r.items.some((i) => i.proposalId === proposals[0].proposalId || i.proposalId === proposals[1]?.proposalId), {
      what: 'decided proposals off the list',
    });
    expect(afterDecisions.total).toBe(Math.max(0, proposals.length - 2));

    // The deal left at intent is reminded too, and signing clears it.
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    const withDeal = await eventually(openReminders, (r) => r.items.some((i) => i.dealId === dealId), { timeoutMs: 60_000, what: 'the idle deal’s reminder' });
    expect(withDeal.items.find((i) => i.dealId === dealId)).toMatchObject({ id: `deal-idle-at-intent/${dealId}`, kind: 'deal-idle-at-intent', needId });
    expect((await contracts.post(`/deals/${dealId}/sign`, signature(100_000_000, 80_000_000))).status).toBe(200);
    await eventually(openReminders, (r) => !r.items.some((i) => i.dealId === dealId), { what: 'the signed deal off the list' });
    const cleared = (await intake.get('/reminders?status=cleared&pageSize=100')).body;
    expect(cleared.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([`deal-idle-at-intent/${dealId}`, `proposal-undecided/${proposals[0].proposalId}`]));

    // Another broker of the park has an empty list: reminders go to the need's own broker.
    expect((await intake.as(await brokerToken(park, 'broker-other')).get('/reminders')).body.total).toBe(0);
  });

  it('logs follow-ups on a need and on a deal', async () => {
    const enterpriseId = await createEnterprise(intake, '苏州跟进测试科技有限公司');
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: '功率器件可靠性测试' }));
    const logged = await intake.post(`/needs/${needId}/follow-ups`, { kind: 'visit', note: '走访企业，确认测试指标', on: '2026-11-20' });
    expect(logged.status).toBe(201);
    expect(logged.body.followUps).toEqual([expect.objectContaining({ kind: 'visit', note: '走访企业，确认测试指标', on: '2026-11-20', by: broker })]);
    const bad = await intake.post(`/needs/${needId}/follow-ups`, { kind: 'gossip', note: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/kind', '/note']);

    const { proposals } = await awaitProposals(matching, needId);
    await matching.post(`/proposals/${proposals[0].proposalId}/accept`);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    const onDeal = await contracts.post(`/deals/${dealId}/follow-ups`, { kind: 'meeting', note: '组织双方对接会，商定合同条款' });
    expect(onDeal.status).toBe(201);
    expect(onDeal.body.followUps).toEqual([expect.objectContaining({ kind: 'meeting', by: broker })]);
    expect(onDeal.body.followUps[0].on).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Like every list, a follow-up log has a bound: the 201st is a 409 that changes nothing, on any instance.
    for (let i = 1; i < MAX_FOLLOW_UPS; i++) expect((await contracts.post(`/deals/${dealId}/follow-ups`, { kind: 'note', note: `第${i}条备注` })).status).toBe(201);
    const over = await contracts.post(`/deals/${dealId}/follow-ups`, { kind: 'note', note: '一条太多' });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ status: 409, maxFollowUps: MAX_FOLLOW_UPS });
    expect((await contracts.get(`/deals/${dealId}`)).body.followUps).toHaveLength(MAX_FOLLOW_UPS);
  });
});
