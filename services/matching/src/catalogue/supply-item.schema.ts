import { Schema } from 'mongoose';
import { OutboxEntrySchema, type OutboxEntry } from '@tt/messaging';
import type { SupplyStatus } from '@tt/contracts';
import type { SupplyItem } from '../scoring/scoring.types';

export const SUPPLY_ITEM_MODEL = 'SupplyItem';
export const SUPPLY_ITEM_COLLECTION = 'supply_items';

/**
 * One catalogue item as matching owns it. `revision` is 0 when listed and +1 per revision or
 * retirement: the item's ETag, and the event's revision. Every change is one compare-and-set on it,
 * with its event in the same write (the outbox). A retired item stays, so its proposals still name it.
 */
export type SupplyItemDocument = Omit<SupplyItem, 'id'> & {
  _id: string;
  status: SupplyStatus;
  revision: number;
  retired?: { reason: string; at: Date; by: string };
  createdBy: string;
  outbox: OutboxEntry[];
  createdAt?: Date;
  updatedAt?: Date;
};

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
    serviceArea: { type: [String], default: undefined },
    cooperationModes: { type: [String], default: undefined },
    details: { type: Schema.Types.Mixed },
    status: { type: String, required: true, default: 'active' },
    revision: { type: Number, required: true, default: 0 },
    retired: { type: Schema.Types.Mixed },
    createdBy: { type: String, required: true, default: 'catalogue-file' },
    outbox: { type: [OutboxEntrySchema], default: [] },
  },
  { collection: SUPPLY_ITEM_COLLECTION, timestamps: true, versionKey: false, minimize: false },
);
// Catalogue browsing by kind and field, and by status.
SupplyItemSchema.index({ kind: 1, technicalField: 1 });
SupplyItemSchema.index({ status: 1, kind: 1 });
// The import's natural key: one item per kind, name and organisation.
SupplyItemSchema.index({ kind: 1, name: 1, organisation: 1 });
