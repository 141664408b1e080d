import { z } from 'zod';
import { TOPICS } from './topics';
import { contractType, fen, id, isoDate, isoDateTime, regionCode, supplyKind, technicalField } from './common';
import { defineEvent } from './event-definition';

/** Who the deal is between and where it is counted: repeated on every deal event so consumers need no lookups. */
export const dealContext = {
  dealId: id,
  needId: id,
  parkId: id,
  brokerId: id,
  enterpriseId: id,
  regionCode,
  technicalField,
};

const party = z.strictObject({
  role: z.enum(['buyer', 'seller', 'intermediary']),
  name: z.string().min(1).max(200),
});

export const DealOpenedV1 = defineEvent({
  type: 'cn.techtransfer.deal.opened.v1',
  topic: TOPICS.deal,
  summary: 'An accepted match became a deal at the intent stage (合作意向).',
  schema: z.strictObject({
    ...dealContext,
    proposalId: id,
    supplyId: id,
    supplyKind,
    supplyName: z.string().min(1).max(200),
    openedAt: isoDateTime,
  }),
  keyOf: (p) => p.dealId,
});

export const ContractSignedV1 = defineEvent({
  type: 'cn.techtransfer.contract.signed.v1',
  topic: TOPICS.deal,
  summary: 'The parties signed a technology contract (技术合同签订).',
  schema: z
    .strictObject({
      ...dealContext,
      contractType,
      parties: z.array(party).min(2).max(10),
      signedOn: isoDate,
      /** 合同成交额 */
      contractAmountFen: fen,
      /** 技术交易额: the technology part of the contract amount, never above it */
      techTransactionAmountFen: fen,
      signedAt: isoDateTime,
    })
    .refine((p) => p.techTransactionAmountFen <= p.contractAmountFen, {
      message: 'techTransactionAmountFen must not exceed contractAmountFen',
      path: ['techTransactionAmountFen'],
    }),
  keyOf: (p) => p.dealId,
});

export const ContractRegisteredV1 = defineEvent({
  type: 'cn.techtransfer.contract.registered.v1',
  topic: TOPICS.deal,
  summary: 'The contract was registered with the technology market authority (技术合同认定登记).',
  schema: z.strictObject({
    ...dealContext,
    registrationNumber: z.string().min(1).max(64),
    registeredOn: isoDate,
    registeredAt: isoDateTime,
  }),
  keyOf: (p) => p.dealId,
});

/**
 * The logged technology transaction: one per registered contract, emitted exactly once with the
 * registration. This is the fact that 技术合同成交额 statistics sum over.
 */
export const TransactionLoggedV1 = defineEvent({
  type: 'cn.techtransfer.transaction.logged.v1',
  topic: TOPICS.deal,
  summary: 'A registered technology contract logged as a technology transaction, with its amounts.',
  schema: z
    .strictObject({
      ...dealContext,
      transactionId: id,
      supplyId: id,
      contractType,
      registrationNumber: z.string().min(1).max(64),
      signedOn: isoDate,
      registeredOn: isoDate,
      contractAmountFen: fen,
      techTransactionAmountFen: fen,
      loggedAt: isoDateTime,
    })
    .refine((p) => p.techTransactionAmountFen <= p.contractAmountFen, {
      message: 'techTransactionAmountFen must not exceed contractAmountFen',
      path: ['techTransactionAmountFen'],
    }),
  keyOf: (p) => p.dealId,
});

/**
 * The deal was cancelled before registration (合作终止). Reporting stops counting it as contracted and
 * intake reopens the need's matching; `stage` is where the deal stood when cancelled.
 */
export const DealCancelledV1 = defineEvent({
  type: 'cn.techtransfer.deal.cancelled.v1',
  topic: TOPICS.deal,
  summary: 'A deal was cancelled before its contract was registered (合作终止).',
  schema: z.strictObject({
    ...dealContext,
    stage: z.enum(['intent', 'signed']),
    reason: z.string().min(1).max(500),
    cancelledAt: isoDateTime,
  }),
  keyOf: (p) => p.dealId,
});
