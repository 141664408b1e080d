import { Schema } from 'mongoose';
import { OutboxEntrySchema, type OutboxEntry } from '@tt/messaging';
import type { ContractType, SupplyKind, TechnicalField } from '@tt/contracts';

export const DEAL_MODEL = 'Deal';

/**
 * The deal lifecycle. `intent` (合作意向) starts when a match is accepted; a signed technology
 * contract (技术合同) moves it to `signed`; registration with the technology market authority
 * (认定登记) to `registered`, which logs the technology transaction. A deal can be cancelled before
 * registration.
 */
export const DEAL_TRANSITIONS = {
  sign: { from: ['intent'], to: 'signed' },
  register: { from: ['signed'], to: 'registered' },
  cancel: { from: ['intent', 'signed'], to: 'cancelled' },
} as const;
export type DealStatus = 'intent' | 'signed' | 'registered' | 'cancelled';
export type DealAction = keyof typeof DEAL_TRANSITIONS;

export interface ContractParty {
  role: 'buyer' | 'seller' | 'intermediary';
  name: string;
}

export interface Deal {
  _id: string;
  proposalId: string;
  needId: string;
  parkId: string;
  brokerId: string;
  enterpriseId: string;
  enterpriseName: string;
  regionCode: string;
  technicalField: TechnicalField;
  supplyId: string;
  supplyKind: SupplyKind;
  supplyName: string;
  status: DealStatus;
  contract?: {
    type: ContractType;
    parties: ContractParty[];
    signedOn: string;
    /** 合同成交额, fen */
    contractAmountFen: number;
    /** 技术交易额, fen; never above the contract amount */
    techTransactionAmountFen: number;
    signedAt: Date;
  };
  registration?: { number: string; registeredOn: string; registeredAt: Date };
  cancellation?: { reason: string; cancelledAt: Date };
  history: { status: DealStatus; at: Date; by: string }[];
  outbox: OutboxEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export const DealSchema = new Schema<Deal>(
  {
    _id: { type: String, required: true },
    proposalId: { type: String, required: true },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    brokerId: { type: String, required: true },
    enterpriseId: { type: String, required: true },
    enterpriseName: { type: String, required: true },
    regionCode: { type: String, required: true },
    technicalField: { type: String, required: true },
    supplyId: { type: String, required: true },
    supplyKind: { type: String, required: true },
    supplyName: { type: String, required: true },
    status: { type: String, required: true },
    contract: { type: Schema.Types.Mixed },
    registration: { type: Schema.Types.Mixed },
    cancellation: { type: Schema.Types.Mixed },
    history: { type: Schema.Types.Mixed, default: [] },
    outbox: { type: [OutboxEntrySchema], default: [] },
  },
  { collection: 'deals', timestamps: true, versionKey: false, minimize: false },
);
// One deal per accepted proposal: a redelivered match accepted cannot open a second deal.
DealSchema.index({ proposalId: 1 }, { unique: true });
// The broker's list: a park's deals by status, newest first.
DealSchema.index({ parkId: 1, status: 1, createdAt: -1 });
// The deals of one need.
DealSchema.index({ needId: 1 });
// A registration number (认定登记编号) belongs to one contract: the store refuses a second one, whichever
// instance writes it. Sparse: deals not yet registered have no number and do not collide.
// Named, so it is created beside (not refused by) the non-unique index earlier versions made.
DealSchema.index({ 'registration.number': 1 }, { unique: true, sparse: true, name: 'registration_number_unique' });
