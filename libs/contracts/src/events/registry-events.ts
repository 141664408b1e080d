import { z } from 'zod';
import { TOPICS } from './topics';
import { fen, id, isoDate, isoDateTime, regionCode, supplyKind } from './common';
import { dealContext } from './deal-events.v1';
import { defineEvent } from './event-definition';
import {
  CONTRACT_SUBTYPE_CODES,
  IP_TYPE_CODES,
  PARTY_NATURE_CODES,
  PARTY_ROLE_CODES,
  REGISTRATION_NUMBER_PATTERN,
  REGISTRY_TECHNICAL_FIELD_CODES,
  SOCIOECONOMIC_OBJECTIVE_CODES,
  subtypeBelongsTo,
} from '../domain/registry';
import { CONTRACT_TYPE_CODES } from '../domain/vocabulary';
import { isValidCreditCode } from '../domain/credit-code';

/**
 * A technology contract as the registry (技术合同认定登记) records it, and the ledger of technology
 * transactions built on it. A registered contract is never edited in place: a correction (补正) or an
 * amendment (变更) is a new event that reverses the record as it stood and restates it, and a
 * revocation (撤销) reverses it. Every event carries the transaction's `revision` (0 when logged, +1 per
 * change), so a consumer applies each exactly once and in order, and totals always equal the sum over
 * the contracts as they stand now.
 *
 * These are v2 of `contract.registered` and `transaction.logged`: contract-tracking publishes the v1
 * events beside them during the migration, so older consumers keep working.
 */

/** 当事人: who the party is, and what the registry tables it by (nature and region). */
export const registeredParty = z
  .strictObject({
    role: z.enum(PARTY_ROLE_CODES),
    name: z.string().min(1).max(200),
    nature: z.enum(PARTY_NATURE_CODES),
    /** 统一社会信用代码; absent for individuals and overseas parties */
    creditCode: z.string().refine(isValidCreditCode, 'not a valid 统一社会信用代码 (GB 32100)').optional(),
    /** 行政区划代码 of a domestic party (技术输出 by the seller's, 技术吸纳 by the buyer's) */
    regionCode: regionCode.optional(),
    /** ISO 3166-1 alpha-2 country of an overseas party */
    countryCode: z.string().regex(/^[A-Z]{2}$/).optional(),
  })
  .refine((p) => (p.nature === 'overseas' ? p.countryCode !== undefined : p.regionCode !== undefined), {
    message: 'a domestic party needs regionCode, an overseas party countryCode',
    path: ['regionCode'],
  });

/** The registered record: what 技术合同认定登记 keeps about one contract, and what the statistics sum. */
export const registryRecord = z
  .strictObject({
    registrationNumber: z.string().regex(REGISTRATION_NUMBER_PATTERN),
    /** 登记机构: the registering office and the region it serves */
    registryOffice: z.strictObject({ regionCode, name: z.string().min(1).max(100) }),
    registeredOn: isoDate,
    signedOn: isoDate,
    contractType: z.enum(CONTRACT_TYPE_CODES),
    contractSubtype: z.enum(CONTRACT_SUBTYPE_CODES),
    parties: z.array(registeredParty).min(2).max(10),
    registryTechnicalField: z.enum(REGISTRY_TECHNICAL_FIELD_CODES),
    ipType: z.enum(IP_TYPE_CODES),
    socioeconomicObjective: z.enum(SOCIOECONOMIC_OBJECTIVE_CODES),
    /** 合同成交额 as registered, fen */
    contractAmountFen: fen,
    /** 技术交易额 as registered (the registry may set it below what the parties declared), fen */
    techTransactionAmountFen: fen,
  })
  .superRefine((r, ctx) => {
    if (r.techTransactionAmountFen > r.contractAmountFen)
      ctx.addIssue({ code: 'custom', path: ['techTransactionAmountFen'], message: 'techTransactionAmountFen must not exceed contractAmountFen' });
    if (!subtypeBelongsTo(r.contractSubtype, r.contractType))
      ctx.addIssue({ code: 'custom', path: ['contractSubtype'], message: `${r.contractSubtype} is not a subtype of ${r.contractType}` });
    for (const role of ['buyer', 'seller'] as const)
      if (!r.parties.some((p) => p.role === role)) ctx.addIssue({ code: 'custom', path: ['parties'], message: `a contract needs a ${role}` });
    if (r.registrationNumber.slice(0, 4) !== r.registeredOn.slice(0, 4))
      ctx.addIssue({ code: 'custom', path: ['registrationNumber'], message: 'the registration number starts with the year of registration' });
  });
export type RegistryRecord = z.infer<typeof registryRecord>;

export const ContractRegisteredV2 = defineEvent({
  type: 'cn.techtransfer.contract.registered.v2',
  topic: TOPICS.deal,
  summary: 'The contract was registered (技术合同认定登记), with the registry record in full.',
  schema: z.strictObject({ ...dealContext, record: registryRecord, registeredAt: isoDateTime }),
  keyOf: (p) => p.dealId,
});

const transaction = { ...dealContext, transactionId: id, revision: z.number().int().min(0) };

export const TransactionLoggedV2 = defineEvent({
  type: 'cn.techtransfer.transaction.logged.v2',
  topic: TOPICS.deal,
  summary: 'A registered contract logged as a technology transaction (revision 0), with its registry record.',
  schema: z.strictObject({
    ...transaction,
    revision: z.literal(0),
    supplyId: id,
    supplyKind,
    record: registryRecord,
    loggedAt: isoDateTime,
  }),
  keyOf: (p) => p.dealId,
});

const restatement = z.strictObject({
  ...transaction,
  revision: z.number().int().min(1),
  /** the record as it stood before (what consumers subtract) */
  reverses: registryRecord,
  /** the record as it stands now (what consumers add) */
  restates: registryRecord,
  reason: z.string().min(1).max(500),
  at: isoDateTime,
});

export const TransactionCorrectedV1 = defineEvent({
  type: 'cn.techtransfer.transaction.corrected.v1',
  topic: TOPICS.deal,
  summary: 'A registration was corrected (补正): the record as it stood is reversed and restated.',
  schema: restatement,
  keyOf: (p) => p.dealId,
});

export const TransactionAmendedV1 = defineEvent({
  type: 'cn.techtransfer.transaction.amended.v1',
  topic: TOPICS.deal,
  summary: 'A registered contract was amended (变更): the record as it stood is reversed and restated.',
  schema: restatement,
  keyOf: (p) => p.dealId,
});

export const TransactionRevokedV1 = defineEvent({
  type: 'cn.techtransfer.transaction.revoked.v1',
  topic: TOPICS.deal,
  summary: 'A registration was revoked (撤销): the record as it stood is reversed and nothing restated.',
  schema: z.strictObject({
    ...transaction,
    revision: z.number().int().min(1),
    reverses: registryRecord,
    reason: z.string().min(1).max(500),
    at: isoDateTime,
  }),
  keyOf: (p) => p.dealId,
});
