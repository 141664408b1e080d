import { analystToken, brokerToken, eventually, TestSystem, type ApiClient } from '@tt/testing';
import {
  awaitDealFor,
  awaitProposals,
  captureNeed,
  chipNeed,
  createEnterprise,
  inPool,
  signature,
  whileReachable,
} from './broker-workflow';

const NEEDS = Number(process.env.CRASH_TEST_NEEDS ?? 200);

/**
 * A burst of needs driven to registered contracts while matching and reporting are each killed
 * with SIGKILL once and restarted. The funnel and the totals must come out exact: nothing lost
 * (outbox, at-least-once consumers, BullMQ job recovery), nothing counted twice (event-id dedupe,
 * natural-key upserts).
 */
describe('crash recovery', () => {
  let system: TestSystem;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, reporting: ApiClient;
  const park = `park-crash-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    contracts = system.api('contract-tracking', broker);
    reporting = system.api('reporting', await analystToken());
  });

  afterAll(async () => {
    await system?.stop();
  });

  it(`loses nothing and counts nothing twice across kill -9 of matching and reporting (${NEEDS} needs)`, async () => {
    const enterpriseId = await createEnterprise(intake);
    const amounts = Array.from({ length: NEEDS }, (_, i) => ({ contract: 1_000_000 + i * 1_003, tech: 800_000 + i * 7 }));
    let captured = 0;
    let registered = 0;
    const crashes: Promise<void>[] = [];

    await inPool(amounts, 8, async (amount, i) => {
      const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: `低功耗芯片设计需求 #${i}` }));
      if (++captured === Math.floor(NEEDS / 4)) crashes.push(system.services.matching.restart()); // kill -9, start again
      const { proposals } = await awaitProposals(matching, needId, 120_000);
      const proposalId = proposals[0].proposalId;
      // The accept may have been stored just before the crash cut the response: 409 then means done.
      const accepted = await whileReachable(() => matching.post(`/proposals/${proposalId}/accept`));
      if (![200, 409].includes(accepted.status)) throw new Error(`accept: ${accepted.status} ${JSON.stringify(accepted.body)}`);
      const dealId = await awaitDealFor(contracts, proposalId, 120_000);
      const signed = await contracts.post(`/deals/${dealId}/sign`, signature(amount.contract, amount.tech));
      if (signed.status !== 200) throw new Error(`sign ${dealId}: ${signed.status} ${JSON.stringify(signed.body)}`);
      const reg = await contracts.post(`/deals/${dealId}/register`, { registrationNumber: `CR-${system.runId}-${i}`, registeredOn: '2026-11-22' });
      if (reg.status !== 200) throw new Error(`register ${dealId}: ${reg.status} ${JSON.stringify(reg.body)}`);
      if (++registered === Math.floor(NEEDS / 2)) crashes.push(system.services.reporting.restart());
      if (registered % 20 === 0) process.stderr.write(`crash test: ${registered}/${NEEDS} registered (${new Date().toISOString()})\n`);
    });
    await Promise.all(crashes);
    expect(crashes).toHaveLength(2);

    const expected = {
      count: NEEDS,
      contractAmountFen: amounts.reduce((s, a) => s + a.contract, 0),
      techTransactionAmountFen: amounts.reduce((s, a) => s + a.tech, 0),
    };
    const expectedFunnel = { captured: NEEDS, matched: NEEDS, accepted: NEEDS, contracted: NEEDS, registered: NEEDS };
    const totals = async () => (await whileReachable(() => reporting.get(`/totals?year=2026&parkId=${park}`))).body;
    await eventually(totals, (t) => t.registered?.count === NEEDS && t.funnel?.registered === NEEDS, {
      timeoutMs: 180_000,
      what: 'every registered contract in the totals',
    });
    // Settled: let any redelivery after the restarts arrive, then the figures must still be exact.
    await new Promise((r) => setTimeout(r, 5_000));
    const final = await totals();
    expect(final.registered).toMatchObject(expected);
    expect(final.funnel).toEqual(expectedFunnel);
    expect(final.byContractType).toEqual([{ key: 'development', ...expected }]);
    expect((await contracts.get('/deals?status=registered&pageSize=1')).body.total).toBe(NEEDS);
  });
});
