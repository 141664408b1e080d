import { Schema } from 'mongoose';
import type { RollupDoc } from './rollup';

export const ROLLUP_MODEL = 'TotalsRollup';

/** The totals' roll-ups: one document per (year, park) and per year (every park); the shape is described in rollup.ts. Read by _id only. */
export const RollupSchema = new Schema<RollupDoc>(
  {
    _id: { type: String, required: true },
    year: { type: Number, required: true },
    parkId: { type: String },
    epoch: { type: Number, default: 0 },
    applied: { type: [String], default: [] },
    months: { type: Schema.Types.Mixed },
    dims: { type: Schema.Types.Mixed },
  },
  { collection: 'totals_rollups', versionKey: false, minimize: false },
);
