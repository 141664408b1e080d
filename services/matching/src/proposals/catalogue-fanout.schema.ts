import { Schema } from 'mongoose';

export const CATALOGUE_FANOUT_MODEL = 'CatalogueFanout';

/**
 * A catalogue window's fan-out (`_id` = the window's start, ms since the epoch): `startedAt` is written
 * before the fan-out reads the open needs, `fannedOutAt` once every job is queued (later changes of the
 * window queue nothing more). A need scored in a window whose fan-out has started queues its own job
 * for the window (it may have been read past); in a window with no fan-out yet it needs none (the
 * fan-out, when a change of the window comes, finds it open). Expires after a day, by which time every
 * window's jobs have long run; a change redelivered later queues its window again, which only scores.
 */
export interface CatalogueFanout {
  _id: number;
  /** Absent on windows fanned out by earlier versions. */
  startedAt?: Date;
  /** Absent while the fan-out is under way (or was cut short by a crash: the change's redelivery finishes it). */
  fannedOutAt?: Date;
}

export const CatalogueFanoutSchema = new Schema<CatalogueFanout>(
  {
    _id: { type: Number, required: true },
    startedAt: Date,
    fannedOutAt: Date,
  },
  { collection: 'catalogue_fanouts', versionKey: false },
);
// Old windows expire (a TTL index; the local store ignores it, which only keeps a few small documents).
CatalogueFanoutSchema.index({ fannedOutAt: 1 }, { expireAfterSeconds: 24 * 3600 });
CatalogueFanoutSchema.index({ startedAt: 1 }, { expireAfterSeconds: 24 * 3600 });
