import { randomInt } from 'node:crypto';
import { eventually, type ApiClient } from '@tt/testing';

/** What a broker does over HTTP, step by step, shared by the e2e tests. */

const CHECK = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** A syntactically valid 18-character 统一社会信用代码, unique enough per run. */
export function creditCode(): string {
  let body = '91320594';
  for (let i = 0; i < 10; i++) body += CHECK[randomInt(CHECK.length)];
  return body;
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
      const res = await contracts.get(`/deals?status=intent&pageSize=100`);
      return (res.body.items as { dealId: string; proposalId: string }[] | undefined)?.find((d) => d.proposalId === proposalId);
    },
    (d) => d !== undefined,
    { timeoutMs, what: `deal for proposal ${proposalId}` },
  );
  return deal!.dealId;
}

export function signature(contractAmountFen: number, techTransactionAmountFen: number, contractType = 'development') {
  return {
    contractType,
    parties: [
      { role: 'buyer', name: '苏州芯联微电子股份有限公司' },
      { role: 'seller', name: '中国科学院微电子研究所' },
    ],
    signedOn: '2026-11-20',
    contractAmountFen,
    techTransactionAmountFen,
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
