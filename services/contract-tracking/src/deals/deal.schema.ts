import type { FollowUp } from '@tt/platform';
import { Schema } from 'mongoose';
import { OutboxEntrySchema, type OutboxEntry } from '@tt/messaging';
import type { ContractSubtype, ContractType, RegistryRecord, SupplyKind, TechnicalField } from '@tt/contracts';

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
  // 撤销登记: the registration is revoked and the transaction reversed; the record stays, as revoked.
  revoke: { from: ['registered'], to: 'revoked' },
} as const;
export const DEAL_STATUSES = ['intent', 'signed', 'registered', 'cancelled', 'revoked'] as const;
export type DealStatus = (typeof DEAL_STATUSES)[number];
export type DealAction = keyof typeof DEAL_TRANSITIONS;

export type ContractParty = RegistryRecord['parties'][number];

/** A change to a registered contract, kept in order; the registry record itself is never edited in place. */
export interface RegistrationChange {
  kind: 'correction' | 'amendment' | 'revocation';
  revision: number;
  reason: string;
  at: Date;
  by: string;
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
  /** +1 on every write: the deal's ETag, which a change to its registration must send back in If-Match */
  version: number;
  contract?: {
    type: ContractType;
    /** absent on contracts signed before subtypes were recorded */
    subtype?: ContractSubtype;
    parties: ContractParty[];
    signedOn: string;
    /** 合同成交额, fen */
    contractAmountFen: number;
    /** 技术交易额, fen; never above the contract amount */
    techTransactionAmountFen: number;
    signedAt: Date;
  };
  registration?: {
    number: string;
    registeredOn: string;
    registeredAt: Date;
    /** The record as it stands now (absent on registrations made before the registry record was kept). */
    record?: RegistryRecord;
    /** 0 when registered, +1 per correction, amendment or revocation: the registration's ETag. */
    revision: number;
    changes: RegistrationChange[];
    revokedAt?: Date;
  };
  cancellation?: { reason: string; cancelledAt: Date };
  /** 跟进记录: the broker's visits, calls and notes, oldest first. */
  followUps?: FollowUp[];
  /** When a reminder was raised for the deal idling at a stage (once per stage). */
  reminded?: { intent?: Date; signed?: Date };
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
    version: { type: Number, default: 0 },
    contract: { type: Schema.Types.Mixed },
    registration: { type: Schema.Types.Mixed },
    cancellation: { type: Schema.Types.Mixed },
    reminded: { type: Schema.Types.Mixed },
    followUps: { type: Schema.Types.Mixed, default: undefined },
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
