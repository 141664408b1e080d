import { Schema } from 'mongoose';
import type { ContractSubtype, ContractType, IpType, PartyNature, RegistryRecord, RegistryTechnicalField, SocioeconomicObjective, TechnicalField } from '@tt/contracts';
import type { VersionedContribution } from './rollup';

export const TRANSACTION_MODEL = 'Transaction';

/**
 * One logged technology transaction (a registered contract), as it stands now: the source of truth of
 * the totals, which read the roll-ups kept from these rows (rollup.ts, rollup-applier.ts). A
 * redelivered event meets the same `_id` (the deal) and adds nothing. A correction or amendment
 * restates the row at the next `revision`; a revocation marks it `revoked`, and totals leave it out.
 * Rows logged before the registry record was kept (transaction logged v1 only) have no registry fields.
 */
export interface Transaction {
  _id: string;
  /** The transaction's id as logged (absent on rows logged before it was kept): a change must name it. */
  transactionId?: string;
  needId: string;
  parkId: string;
  regionCode: string;
  technicalField: TechnicalField;
  contractType: ContractType;
  brokerId: string;
  registrationNumber: string;
  registeredOn: string;
  /** YYYY-MM of registration: the statistical period of a registered contract. */
  month: string;
  contractAmountFen: number;
  techTransactionAmountFen: number;
  /** 0 when logged, +1 per correction, amendment or revocation (the event's revision) */
  revision: number;
  status?: 'standing' | 'revoked';
  revokedAt?: Date;
  /** The registry's record as it stands, and the fields the statistics group by, taken from it. */
  record?: RegistryRecord;
  contractSubtype?: ContractSubtype;
  registryTechnicalField?: RegistryTechnicalField;
  ipType?: IpType;
  socioeconomicObjective?: SocioeconomicObjective;
  sellerNature?: PartyNature;
  buyerNature?: PartyNature;
  /** 技术输出: the (first) seller's province (GB/T 2260, `xx0000`), or `overseas-XX` */
  outputRegion?: string;
  /** 技术吸纳: the (first) buyer's province, or `overseas-XX` */
  absorptionRegion?: string;
  /** `fingerprint`: of the change's whole payload, to tell its redelivery from another change at that revision (absent on changes applied before it was kept). */
  changes?: { kind: 'correction' | 'amendment' | 'revocation'; revision: number; reason: string; at: Date; fingerprint?: string }[];
  loggedAt: Date;
  /** When reporting stored the row: with loggedAt, how far behind the totals run. */
  recordedAt: Date;
  /** The roll-ups' bookkeeping of this row (see rollup-applier.ts); absent on rows written before the roll-ups. */
  rollup?: RollupState;
}

/**
 * How far the totals' roll-ups have taken this row in. Every write that changes what the row counts
 * for raises `version` and sets `pending`, in the same single-document update; the roll-up applier
 * journals the change it applies (`applying`: the contribution at that version), applies it to the
 * roll-ups, then records it as `counted` (and clears `pending` unless a newer version landed).
 */
export interface RollupState {
  version?: number;
  pending?: boolean;
  applying?: VersionedContribution;
  counted?: VersionedContribution;
}

export const TransactionSchema = new Schema<Transaction>(
  {
    _id: { type: String, required: true },
    transactionId: { type: String },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    regionCode: { type: String, required: true },
    technicalField: { type: String, required: true },
    contractType: { type: String, required: true },
    brokerId: { type: String, required: true },
    registrationNumber: { type: String, required: true },
    registeredOn: { type: String, required: true },
    month: { type: String, required: true },
    contractAmountFen: { type: Number, required: true },
    techTransactionAmountFen: { type: Number, required: true },
    revision: { type: Number, default: 0 },
    status: { type: String },
    revokedAt: { type: Date },
    record: { type: Schema.Types.Mixed },
    contractSubtype: { type: String },
    registryTechnicalField: { type: String },
    ipType: { type: String },
    socioeconomicObjective: { type: String },
    sellerNature: { type: String },
    buyerNature: { type: String },
    outputRegion: { type: String },
    absorptionRegion: { type: String },
    changes: { type: Schema.Types.Mixed },
    loggedAt: { type: Date, required: true },
    recordedAt: { type: Date, required: true },
    rollup: { type: Schema.Types.Mixed },
  },
  { collection: 'transactions', versionKey: false },
);
// Totals over a period, optionally for one park.
TransactionSchema.index({ month: 1, parkId: 1 });
TransactionSchema.index({ parkId: 1, month: 1 });
// Rows whose change the roll-ups have not taken yet (the sweep's query; sparse: only those rows are in it).
TransactionSchema.index({ 'rollup.pending': 1 }, { sparse: true });
