import { Schema } from 'mongoose';

export const FUNNEL_MODEL = 'FunnelNeed';

/** How far one need got. Each stage is set by an idempotent $set, so redelivery changes nothing. */
export interface FunnelNeed {
  _id: string;
  parkId: string;
  capturedAt?: Date;
  matchedAt?: Date;
  acceptedAt?: Date;
  contractedAt?: Date;
  registeredAt?: Date;
}

export const FUNNEL_STAGES = ['captured', 'matched', 'accepted', 'contracted', 'registered'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

export const FunnelNeedSchema = new Schema<FunnelNeed>(
  {
    _id: { type: String, required: true },
    parkId: { type: String, required: true },
    capturedAt: Date,
    matchedAt: Date,
    acceptedAt: Date,
    contractedAt: Date,
    registeredAt: Date,
  },
  { collection: 'funnel_needs', versionKey: false },
);
// Counting a park's needs per stage.
FunnelNeedSchema.index({ parkId: 1 });
