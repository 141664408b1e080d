import { randomInt } from 'node:crypto';
import { creditCodeCheckCharacter } from '@tt/contracts';
import { eventually, type ApiClient } from '@tt/testing';

/** What a broker does over HTTP, step by step, shared by the e2e tests. */

/** The deal events one need taken to registration produces, in order (what subscribers see per deal). */
export const DEAL_TO_REGISTRATION = [
  'cn.techtransfer.deal.opened.v1',
  'cn.techtransfer.contract.signed.v1',
  'cn.techtransfer.contract.registered.v1',
  'cn.techtransfer.contract.registered.v2',
  'cn.techtransfer.transaction.logged.v1',
  'cn.techtransfer.transaction.logged.v2',
];

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A valid 18-character 统一社会信用代码 (GB 32100 check character included), unique enough per run. */
export function creditCode(): string {
  let body = '91320594';
  for (let i = 0; i < 9; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return body + creditCodeCheckCharacter(body);
}

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

export function chipNeed(enterpriseId: string, overrides: Record<string, unknown> = {}) {
  return {
    enterpriseId,
    title: '年产300万颗物联网芯片的低功耗芯片设计',
    description: '企业为上市公司，需要面向物联网终端的低功耗芯片设计能力，年需求约300万颗芯片，希望与中国科学院相关院所联合开展芯片设计与流片验证。',
    category: 'tech-breakthrough',
    technicalField: 'electronic-information',
    keywords: ['芯片设计', '低功耗', '集成电路'],
    budgetMinFen: 100_000_000,
    budgetMaxFen: 500_000_000,
    cooperationModes: ['joint-development'],
    confidentiality: 'park-only',
    contact: { name: '王工', phone: '13912345678', email: 'wang@example.com' },
    ...overrides,
  };
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

/** A subtype of each contract type, for signatures that do not care which. */
const SUBTYPE_OF: Record<string, string> = {
  development: 'development.cooperative',
  transfer: 'transfer.patent-right',
  licensing: 'licensing.patent-implementation',
  consulting: 'consulting.general',
  service: 'service.general',
};

/** The chip-design contract: a Suzhou enterprise buys, a Beijing institute of CAS sells (技术输出 from 北京, 吸纳 in 江苏). */
export function signature(contractAmountFen: number, techTransactionAmountFen: number, contractType = 'development') {
  return {
    contractType,
    contractSubtype: SUBTYPE_OF[contractType],
    parties: [
      { role: 'buyer', name: '苏州芯联微电子股份有限公司', nature: 'enterprise', regionCode: '320506' },
      { role: 'seller', name: '中国科学院微电子研究所', nature: 'research-institute', regionCode: '110108' },
    ],
    signedOn: '2026-11-20',
    contractAmountFen,
    techTransactionAmountFen,
  };
}

let serial = randomInt(1_000_000);
/**
 * A 技术合同登记编号 unique in this run: the year, a registering office (苏州市, 320500) and a
 * 6-digit serial that counts up from a random start.
 */
export function registrationNumber(year = '2026', office = '320500'): string {
  serial = (serial + 1) % 1_000_000;
  return `${year}${office}${String(serial).padStart(6, '0')}`;
}

/** The registry's decision on a contract: what `POST /deals/:id/register` takes beside number and date. */
export function registration(number = registrationNumber(), registeredOn = '2026-11-22', overrides: Record<string, unknown> = {}) {
  return {
    registrationNumber: number,
    registeredOn,
    registryTechnicalField: 'electronic-information',
    ipType: 'ic-layout-design',
    socioeconomicObjective: 'industry',
    ...overrides,
  };
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
