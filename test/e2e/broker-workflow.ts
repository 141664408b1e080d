import { chipNeed, creditCode, eventually, registration, signature, type ApiClient } from '@tt/testing';

// The request bodies live in @tt/testing (broker-requests.ts), shared with the medium tier.
export { chipNeed, creditCode, DEAL_TO_REGISTRATION, registration, registrationNumber, signature } from '@tt/testing';

/** What a broker does over HTTP, step by step, shared by the e2e tests. */

export async function createEnterprise(intake: ApiClient, name = '苏州芯联微电子股份有限公司'): Promise<string> {
  const res = await intake.post('/enterprises', {
    name,
    creditCode: creditCode(),
    regionCode: '320506',
    industryCode: 'C3973',
    qualifications: ['high-tech-enterprise', 'listed-company'],
  });
  if (res.status !== 201) throw new Error(`create enterprise: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function captureNeed(intake: ApiClient, body: object): Promise<string> {
  const res = await intake.post('/needs', body);
  if (res.status !== 201) throw new Error(`capture need: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function awaitProposals(matching: ApiClient, needId: string, timeoutMs = 60_000) {
  const res = await eventually(
    () => matching.get(`/needs/${needId}/proposals`),
    (r) => r.status === 200 && r.body.status === 'proposed',
    { timeoutMs, what: `proposals for need ${needId}` },
  );
  return res.body as { proposals: { proposalId: string; supplyId: string; score: number; reasons: { kind: string }[] }[] };
}

export async function awaitDealFor(contracts: ApiClient, proposalId: string, timeoutMs = 60_000) {
  const deal = await eventually(
    async () => {
      const res = await contracts.get(`/deals?proposalId=${proposalId}`);
      return (res.body.items as { dealId: string; proposalId: string }[] | undefined)?.find((d) => d.proposalId === proposalId);
    },
    (d) => d !== undefined,
    { timeoutMs, what: `deal for proposal ${proposalId}` },
  );
  return deal!.dealId;
}

/** Retries a call while the service is down (connection refused during a crash and restart). */
export async function whileReachable<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function inPool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index], index);
      }
    }),
  );
}

export interface ParkClients {
  intake: ApiClient;
  matching: ApiClient;
  contracts: ApiClient;
  enterpriseId: string;
}

/** A park's broker with an enterprise recorded: what the resilient workflow below needs. */
export async function parkClients(clientFor: (service: 'intake' | 'matching' | 'contract-tracking') => ApiClient): Promise<ParkClients> {
  const intake = clientFor('intake');
  return { intake, matching: clientFor('matching'), contracts: clientFor('contract-tracking'), enterpriseId: await createEnterprise(intake) };
}

/**
 * One need taken from capture to a registered contract by a broker whose calls may be cut off and
 * retried (an instance killed, a store away): every step is safe to repeat. The capture carries an
 * Idempotency-Key; a transition that answers 409 is accepted only if the state it wanted is there.
 */
export async function takeNeedToRegistration(
  { intake, matching, contracts, enterpriseId }: ParkClients,
  i: number,
  amount: { contract: number; tech: number },
  registrationNumber: string,
  { tag = 'run', timeoutMs = 180_000 }: { tag?: string; timeoutMs?: number } = {},
): Promise<{ needId: string; dealId: string }> {
  const captured = await intake.postWith('/needs', chipNeed(enterpriseId, { title: `低功耗芯片设计需求 ${tag} #${i}` }), { 'Idempotency-Key': `${tag}-${i}` });
  if (captured.status !== 201) throw new Error(`capture #${i}: ${captured.status} ${JSON.stringify(captured.body)}`);
  const needId: string = captured.body.id;
  const { proposals } = await awaitProposals(matching, needId, timeoutMs);
  const proposalId = proposals[0].proposalId;
  const accepted = await matching.post(`/proposals/${proposalId}/accept`);
  if (accepted.status !== 200 && !(accepted.status === 409 && accepted.body.currentStatus === 'accepted')) {
    throw new Error(`accept #${i}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  }
  const dealId = await awaitDealFor(contracts, proposalId, timeoutMs);
  const signed = await contracts.post(`/deals/${dealId}/sign`, signature(amount.contract, amount.tech));
  if (signed.status !== 200 && !(signed.status === 409 && signed.body.currentStatus === 'signed')) {
    throw new Error(`sign #${i}: ${signed.status} ${JSON.stringify(signed.body)}`);
  }
  const registered = await contracts.post(`/deals/${dealId}/register`, registration(registrationNumber));
  if (registered.status !== 201) {
    const deal = (await contracts.get(`/deals/${dealId}`)).body;
    if (!(registered.status === 409 && deal.registration?.number === registrationNumber)) {
      throw new Error(`register #${i}: ${registered.status} ${JSON.stringify(registered.body)}`);
    }
  }
  return { needId, dealId };
}

/**
 * Whether `GET /totals`'s funnel has at least `needs` needs at every stage. Each stage moves on its own
 * topic, so an earlier stage can arrive after a later one (a scoring job killed between writing the
 * proposals and staging match proposed runs again 15–20 s later): wait for all of them, then compare exactly.
 */
export function funnelReached(funnel: Record<string, number> | undefined, needs: number): boolean {
  return (['captured', 'matched', 'accepted', 'contracted', 'registered'] as const).every((stage) => (funnel?.[stage] ?? 0) >= needs);
}
