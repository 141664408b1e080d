import { Schema } from 'mongoose';

export const FUNNEL_MODEL = 'FunnelStage';

export const FUNNEL_STAGES = ['captured', 'matched', 'accepted', 'contracted', 'registered'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/**
 * One row per need and stage reached, `_id` = `<needId>/<stage>` (and one per cancelled deal, `<dealId>/cancelled`, and per rejected proposal, `<proposalId>/rejected`), written by the one handler of that
 * stage with an insert-if-absent upsert: idempotent, so a redelivered event changes nothing.
 */
export interface FunnelStageRow {
  _id: string;
  needId: string;
  parkId: string;
  stage: FunnelStage | 'cancelled' | 'rejected';
  reachedAt: Date;
  /**
   * On `contracted` rows: the need's signed deals not cancelled since. A need counts as contracted
   * while one is left (rows written before this field existed count as they did).
   */
  dealIds?: string[];
}

export const FunnelStageSchema = new Schema<FunnelStageRow>(
  {
    _id: { type: String, required: true },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    stage: { type: String, required: true },
    reachedAt: { type: Date, required: true },
    dealIds: { type: [String], default: undefined },
  },
  { collection: 'funnel_stages', versionKey: false },
);
// Counting needs per stage, overall and per park.
FunnelStageSchema.index({ stage: 1, parkId: 1 });
// A cohort's later stages.
FunnelStageSchema.index({ needId: 1 });
