import { Schema } from 'mongoose';

export const CATALOGUE_FANOUT_MODEL = 'CatalogueFanout';

/**
 * A catalogue window whose scoring jobs have all been queued (`_id` = the window's start, ms since the
 * epoch): later changes of the window queue nothing more. Expires after a day, by which time every
 * window's jobs have long run; a change redelivered later queues its window again, which only scores.
 */
export interface CatalogueFanout {
  _id: number;
  fannedOutAt: Date;
}

export const CatalogueFanoutSchema = new Schema<CatalogueFanout>(
  {
    _id: { type: Number, required: true },
    fannedOutAt: { type: Date, required: true },
  },
  { collection: 'catalogue_fanouts', versionKey: false },
);
// Old windows expire (a TTL index; the local store ignores it, which only keeps a few small documents).
CatalogueFanoutSchema.index({ fannedOutAt: 1 }, { expireAfterSeconds: 24 * 3600 });
