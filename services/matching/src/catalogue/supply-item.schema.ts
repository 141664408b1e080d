import { Schema } from 'mongoose';
import type { SupplyItem } from '../scoring/scoring.types';

export const SUPPLY_ITEM_MODEL = 'SupplyItem';

export type SupplyItemDocument = Omit<SupplyItem, 'id'> & { _id: string };

export const SupplyItemSchema = new Schema<SupplyItemDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    name: { type: String, required: true },
    organisation: { type: String },
    summary: { type: String, required: true },
    technicalField: { type: String, required: true },
    keywords: { type: [String], default: [] },
    regionCode: { type: String, required: true },
    trl: { type: Number },
  },
  { collection: 'supply_items', timestamps: true, versionKey: false },
);
// Catalogue browsing by kind and field.
SupplyItemSchema.index({ kind: 1, technicalField: 1 });
