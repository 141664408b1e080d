import { Schema } from 'mongoose';
import { OutboxEntrySchema, type OutboxEntry } from '@tt/messaging';
import type { NeedCategory, RejectionReason, SupplyKind, TechnicalField } from '@tt/contracts';
import type { MatchReason } from '../scoring/scoring.types';

export const MATCH_RUN_MODEL = 'MatchRun';
export const PROPOSAL_MODEL = 'Proposal';

/**
 * One scoring of one revision of a need; its outbox carries match proposed. `_id` is the needId for the
 * need as captured and `<needId>@<revision>` for a revision (see scoringJobId): each scored once.
 */
export interface MatchRun {
  _id: string;
  /** Set on runs of revisions (runs of captured needs have the need id as `_id`). */
  needId?: string;
  revision?: number;
  /** Set on runs catalogue changes asked for: the window they were made in (see scoringJobId). */
  trigger?: { window: number };
  parkId: string;
  modelVersion: string;
  proposalIds: string[];
  proposedAt: Date;
  /** When the catalogue was read for this run (its catalogue window is followed, see followCatalogue) */
  modelReadAt?: Date;
  outbox: OutboxEntry[];
}

export const MatchRunSchema = new Schema<MatchRun>(
  {
    _id: { type: String, required: true },
    needId: { type: String },
    revision: { type: Number },
    trigger: { type: Schema.Types.Mixed },
    parkId: { type: String, required: true },
    modelVersion: { type: String, required: true },
    proposalIds: { type: [String], default: [] },
    proposedAt: { type: Date, required: true },
    modelReadAt: { type: Date },
    outbox: { type: [OutboxEntrySchema], default: [] },
  },
  { collection: 'match_runs', versionKey: false },
);
// The latest run of a revised need (or of a catalogue change).
MatchRunSchema.index({ needId: 1, revision: -1, proposedAt: -1 });

export type ProposalStatus = 'proposed' | 'accepted' | 'rejected';

/** A candidate supply for a need; its outbox carries the broker's decision. */
export interface Proposal {
  _id: string;
  needId: string;
  parkId: string;
  rank: number;
  supplyId: string;
  supplyKind: SupplyKind;
  supplyName: string;
  score: number;
  reasons: MatchReason[];
  status: ProposalStatus;
  /** What makes needs "similar" for learning from decisions: the need's category and field when proposed */
  needCategory?: NeedCategory;
  needField?: TechnicalField;
  /** The model that ranked it, so acceptance can be compared between versions */
  modelVersion?: string;
  decidedBy?: string;
  decidedAt?: Date;
  rejectionCode?: RejectionReason;
  rejectionReason?: string;
  /** Set when the reminder of an undecided proposal was raised (once). */
  reminderRaisedAt?: Date;
  outbox: OutboxEntry[];
}

export const ProposalSchema = new Schema<Proposal>(
  {
    _id: { type: String, required: true },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    rank: { type: Number, required: true },
    supplyId: { type: String, required: true },
    supplyKind: { type: String, required: true },
    supplyName: { type: String, required: true },
    score: { type: Number, required: true },
    reasons: { type: Schema.Types.Mixed, default: [] },
    status: { type: String, required: true, default: 'proposed' },
    needCategory: { type: String },
    needField: { type: String },
    modelVersion: { type: String },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    rejectionCode: { type: String },
    rejectionReason: { type: String },
    reminderRaisedAt: { type: Date },
    outbox: { type: [OutboxEntrySchema], default: [] },
  },
  { collection: 'proposals', versionKey: false },
);
// A need's proposals in rank order (the broker's list).
ProposalSchema.index({ needId: 1, rank: 1 });
// Decisions on items for needs of one category and field (the ranking's feedback).
ProposalSchema.index({ needCategory: 1, needField: 1, status: 1 });
