import { Schema } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';

export const NEED_SNAPSHOT_MODEL = 'NeedSnapshot';

/**
 * Matching's own copy of a need as intake last stated it (event-carried state: no calls into intake).
 * `revision` is the last need revised applied (0: as captured); `ended` is set once the need was
 * withdrawn or closed, after which nothing is proposed or accepted for it.
 */
export type NeedSnapshot = Omit<PayloadOf<'cn.techtransfer.need.captured.v1'>, 'needId'> & {
  _id: string;
  revision?: number;
  ended?: { reason: 'withdrawn' | 'closed'; at: Date };
  /** Set when a revision's event arrives, removed once that revision's run is recorded: what the unscored sweep looks for. */
  awaitingScore?: { revision: number; since: Date };
};

export const NeedSnapshotSchema = new Schema<NeedSnapshot>(
  {
    _id: { type: String, required: true },
    parkId: { type: String, required: true },
    brokerId: { type: String, required: true },
    enterpriseId: { type: String, required: true },
    enterpriseName: { type: String, required: true },
    regionCode: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, required: true },
    technicalField: { type: String, required: true },
    keywords: { type: [String], default: [] },
    revision: { type: Number },
    ended: { type: Schema.Types.Mixed },
    awaitingScore: { type: Schema.Types.Mixed },
  },
  { collection: 'needs', versionKey: false, strict: false },
);

// The unscored sweep's query: only needs still waiting for a run carry the field.
NeedSnapshotSchema.index({ 'awaitingScore.since': 1 }, { sparse: true });
