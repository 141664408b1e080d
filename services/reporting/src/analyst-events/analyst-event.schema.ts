import { Schema } from 'mongoose';

export const ANALYST_EVENT_MODEL = 'AnalystEvent';

/**
 * The analysts' event log: the deal events reporting has applied, each under a gap-free sequence
 * number (`_id`) that is the cursor of `GET /events`, the `id:` of the SSE stream and the position of
 * each webhook subscription. The payload is the analysts' view (see analyst-view.ts), never the raw event.
 *
 * An event takes its position in the insert that writes it, the next after the newest (see
 * AnalystEventsService.record): the log has no holes, and readers never wait. `void` rows are from
 * earlier versions, which took numbers from a counter first; readers skip them.
 */
export interface AnalystEventRow {
  _id: number;
  /** The CloudEvent id. `void:<seq>` on a void row. */
  eventId: string;
  /**
   * What the event is, whatever its id: deal, type and revision (see naturalKeyOf). Unique, so a
   * redelivery, or a replay under new ids, is logged once. Absent on rows logged before it was kept.
   */
  naturalKey?: string;
  type: string;
  /** The CloudEvent time (when contract-tracking recorded the change). */
  time: string;
  dealId?: string;
  parkId?: string;
  data?: Record<string, unknown>;
  void?: boolean;
  recordedAt: Date;
}

export const AnalystEventSchema = new Schema<AnalystEventRow>(
  {
    _id: { type: Number, required: true },
    eventId: { type: String, required: true, unique: true },
    naturalKey: { type: String, unique: true, sparse: true },
    type: { type: String, required: true },
    time: { type: String, required: true },
    dealId: String,
    parkId: String,
    data: { type: Schema.Types.Mixed },
    void: Boolean,
    recordedAt: { type: Date, required: true },
  },
  { collection: 'analyst_events', versionKey: false, minimize: false },
);
