import { Schema } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';

export const NEED_SNAPSHOT_MODEL = 'NeedSnapshot';

/** Matching's own copy of a captured need (event-carried state: no calls into intake). */
export type NeedSnapshot = Omit<PayloadOf<'cn.techtransfer.need.captured.v1'>, 'needId'> & { _id: string };

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
  },
  { collection: 'needs', versionKey: false, strict: false },
);
