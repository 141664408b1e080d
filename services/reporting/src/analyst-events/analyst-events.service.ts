import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Subject } from 'rxjs';
import { isDuplicateKey, type CloudEvent } from '@tt/messaging';
import { ANALYST_EVENT_MODEL, FEED_COUNTER_MODEL, type AnalystEventRow, type FeedCounterRow } from './analyst-event.schema';
import { analystView } from './analyst-view';

export { ANALYST_EVENT_TYPES } from '@tt/contracts';

/**
 * How long a reader waits at a hole in the sequence before passing it. A hole is a number taken by
 * an instance whose insert has not landed yet (milliseconds), or by one that crashed in between (never).
 */
export const HOLE_WAIT_MS = 30_000;
const COUNTER_ID = 'analyst-events';

export interface AnalystEvent {
  /** The position in the log: the cursor, the SSE `id:`. */
  seq: number;
  eventId: string;
  type: string;
  time: string;
  dealId?: string;
  parkId?: string;
  data: Record<string, unknown>;
}

/**
 * A deal event's identity apart from its CloudEvent id: a deal is opened, signed, registered and
 * logged once per version of each event type; corrections, amendments and revocations once per
 * revision of the transaction. Undefined when the payload names no deal.
 */
export function naturalKeyOf(type: string, data: Record<string, unknown>): string | undefined {
  if (typeof data.dealId !== 'string') return undefined;
  return typeof data.revision === 'number' ? `${data.dealId}|${type}|${data.revision}` : `${data.dealId}|${type}`;
}

/** The event as analysts get it everywhere: GET /events items, SSE `data:` and webhook bodies. */
export const publicEvent = (e: AnalystEvent) => ({ id: String(e.seq), eventId: e.eventId, type: e.type, time: e.time, dealId: e.dealId, parkId: e.parkId, data: e.data });

export interface EventFilter {
  types?: readonly string[];
  /** Empty or absent: every park. */
  parks?: readonly string[];
}

export interface EventPage {
  events: AnalystEvent[];
  /** Where the next read starts: past every event read, including those the filter left out. */
  cursor: number;
}

@Injectable()
export class AnalystEventsService implements OnModuleInit {
  /** Fires in this instance when an event is logged here (other instances' readers poll). */
  readonly appended$ = new Subject<number>();

  constructor(
    @InjectModel(ANALYST_EVENT_MODEL) private readonly events: Model<AnalystEventRow>,
    @InjectModel(FEED_COUNTER_MODEL) private readonly counters: Model<FeedCounterRow>,
  ) {}

  /** The collections and the unique index exist before the first event races to create them. */
  async onModuleInit(): Promise<void> {
    await this.events.createCollection().catch(() => undefined);
    await this.events.init();
    await this.counters.updateOne({ _id: COUNTER_ID }, { $setOnInsert: { seq: 0 } }, { upsert: true }).catch(() => undefined);
  }

  /**
   * Logs an applied deal event once, whatever the redeliveries, replays under new ids and however many
   * instances: by its natural identity (deal, type, revision), not its id.
   */
  async record(event: CloudEvent): Promise<void> {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const naturalKey = naturalKeyOf(event.type, data) ?? `event:${event.id}`;
    if (await this.events.exists({ $or: [{ naturalKey }, { eventId: event.id }] })) return;
    const counter = await this.counters.findOneAndUpdate({ _id: COUNTER_ID }, { $inc: { seq: 1 } }, { new: true, upsert: true }).lean();
    const seq = counter!.seq;
    try {
      await this.events.create({
        _id: seq,
        eventId: event.id,
        naturalKey,
        type: event.type,
        time: event.time,
        dealId: typeof data.dealId === 'string' ? data.dealId : undefined,
        parkId: typeof data.parkId === 'string' ? data.parkId : undefined,
        data: analystView(data) as Record<string, unknown>,
        recordedAt: new Date(),
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Another instance logged this event first: fill the number so readers need not wait at it.
      await this.events.create({ _id: seq, eventId: `void:${seq}`, type: 'void', time: new Date().toISOString(), void: true, recordedAt: new Date() });
    }
    this.appended$.next(seq);
  }

  /** Up to `limit` events after `after` that pass the filter, in log order, never past a fresh hole. */
  async readAfter(after: number, limit: number, filter: EventFilter = {}): Promise<EventPage> {
    const rows = await this.events
      .find({ _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(Math.max(limit * 4, 200))
      .lean();
    const types = filter.types?.length ? new Set(filter.types) : undefined;
    const parks = filter.parks?.length ? new Set(filter.parks) : undefined;
    const events: AnalystEvent[] = [];
    let cursor = after;
    for (const row of rows) {
      if (row._id !== cursor + 1 && Date.now() - row.recordedAt.getTime() < HOLE_WAIT_MS) break;
      cursor = row._id;
      if (row.void) continue;
      if (types && !types.has(row.type)) continue;
      if (parks && !(row.parkId && parks.has(row.parkId))) continue;
      events.push({ seq: row._id, eventId: row.eventId, type: row.type, time: row.time, dealId: row.dealId, parkId: row.parkId, data: row.data ?? {} });
      if (events.length >= limit) break;
    }
    return { events, cursor };
  }

  /** The newest position (for a client that wants only what comes next). */
  async head(): Promise<number> {
    const newest = await this.events.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean();
    return newest?._id ?? 0;
  }
}
