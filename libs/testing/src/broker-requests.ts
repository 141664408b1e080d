import { randomInt } from 'node:crypto';
import { creditCodeCheckCharacter } from '@tt/contracts';

/**
 * The request bodies a broker sends, as the e2e tests and the medium tier both need them: a chip
 * design need, the signed contract and the registry's record of it, with identifiers unique per run.
 */

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
