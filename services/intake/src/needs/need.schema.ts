import type { FollowUp } from '@tt/platform';
import { Schema } from 'mongoose';
import { OutboxEntrySchema, type OutboxEntry } from '@tt/messaging';
import type { Confidentiality, CooperationMode, NeedCategory, NeedCloseOutcome, NeedHardConstraint, NeedStatus, SupplyKind, TechnicalField } from '@tt/contracts';
import type { DownstreamFacts } from './need-status';

export const NEED_MODEL = 'Need';

export interface NeedContact {
  name: string;
  phone: string;
  email?: string;
}

/** 企业技术需求 as recorded by a broker. The contact never leaves this service. */
export interface Need {
  _id: string;
  parkId: string;
  enterpriseId: string;
  brokerId: string;
  title: string;
  description: string;
  category: NeedCategory;
  technicalField: TechnicalField;
  keywords: string[];
  budgetMinFen?: number;
  budgetMaxFen?: number;
  cooperationModes: CooperationMode[];
  confidentiality: Confidentiality;
  /** 需要的资源类型, when the broker narrowed what the category implies */
  supplyKinds?: SupplyKind[];
  /** 期望技术成熟度 (TRL 1..9) */
  minTrl?: number;
  /** Months until the answer must be in use or production */
  neededWithinMonths?: number;
  preferredRegionCodes?: string[];
  excludedRegionCodes?: string[];
  /** Constraints that filter rather than weigh (see needs/need-fields.ts for what each requires) */
  hardConstraints?: NeedHardConstraint[];
  contact: NeedContact;
  status: NeedStatus;
  /** Counts every write to the need: the ETag, and the compare-and-set guard of every change. */
  version?: number;
  /** Revisions of the need's content by the broker (0: as captured); carried by need revised. */
  revision?: number;
  /** What matching and contract-tracking reported (the status is derived from it). */
  downstream?: DownstreamFacts;
  withdrawal?: { reason: string; at: Date; by: string };
  closure?: { outcome: NeedCloseOutcome; note?: string; at: Date; by: string };
  /** The last 50 status changes, with what caused each (a broker's action or an event type). */
  history?: { status: NeedStatus; at: Date; cause: string }[];
  /** Set when the request carried an Idempotency-Key: a retry with another body is refused. */
  request?: { idempotencyKey: string; fingerprint: string };
  /** 跟进记录: the broker's visits, calls and notes, oldest first. */
  followUps?: FollowUp[];
  /** Set on needs created by a 需求征集表 import: the import that created it. */
  importId?: string;
  outbox: OutboxEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export const NeedSchema = new Schema<Need>(
  {
    _id: { type: String, required: true },
    parkId: { type: String, required: true },
    enterpriseId: { type: String, required: true },
    brokerId: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, required: true },
    category: { type: String, required: true },
    technicalField: { type: String, required: true },
    keywords: { type: [String], default: [] },
    budgetMinFen: { type: Number },
    budgetMaxFen: { type: Number },
    cooperationModes: { type: [String], default: [] },
    confidentiality: { type: String, required: true },
    // Lists left absent when not sent (mongoose would otherwise default every array to []).
    supplyKinds: { type: [String], default: undefined },
    minTrl: { type: Number },
    neededWithinMonths: { type: Number },
    preferredRegionCodes: { type: [String], default: undefined },
    excludedRegionCodes: { type: [String], default: undefined },
    hardConstraints: { type: [String], default: undefined },
    contact: {
      name: { type: String, required: true },
      phone: { type: String, required: true },
      email: { type: String },
    },
    status: { type: String, required: true, default: 'open' },
    version: { type: Number },
    revision: { type: Number },
    downstream: { type: Schema.Types.Mixed },
    withdrawal: { type: Schema.Types.Mixed },
    closure: { type: Schema.Types.Mixed },
    history: { type: Schema.Types.Mixed },
    request: { idempotencyKey: { type: String }, fingerprint: { type: String } },
    importId: { type: String },
    followUps: { type: Schema.Types.Mixed, default: undefined },
    outbox: { type: [OutboxEntrySchema], default: [] },
  },
  { collection: 'needs', timestamps: true, versionKey: false },
);
// The broker's list: a park's needs, newest first, optionally narrowed by the filters below.
NeedSchema.index({ parkId: 1, createdAt: -1 });
NeedSchema.index({ parkId: 1, category: 1, createdAt: -1 });
NeedSchema.index({ parkId: 1, technicalField: 1, createdAt: -1 });
NeedSchema.index({ parkId: 1, enterpriseId: 1, createdAt: -1 });
NeedSchema.index({ parkId: 1, status: 1, createdAt: -1 });
