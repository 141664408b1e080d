import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Subject } from 'rxjs';
import { type CloudEvent } from '@tt/messaging';
import { isDuplicateKey } from '@tt/store';
import { ANALYST_EVENT_MODEL, type AnalystEventRow } from './analyst-event.schema';
import { analystView } from './analyst-view';

export { ANALYST_EVENT_TYPES } from '@tt/contracts';

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
  ) {}

  /** The collections and the unique index exist before the first event races to create them. */
  async onModuleInit(): Promise<void> {
    await this.events.createCollection().catch(() => undefined);
    await this.events.init();
  }

  /**
   * Logs an applied deal event once, whatever the redeliveries, replays under new ids and however many
   * instances: by its natural identity (deal, type, revision), not its id.
   *
   * Gap-free by construction: an event takes its position in the insert that writes it, as the next
   * after the newest row (`_id` is unique, so of two instances racing for a position one wins and the
   * other takes the next). A position exists only once its event does, and only after every lower one,
   * so a reader never meets a hole and never has to wait at one: a writer that stalls, or dies, between
   * deciding to log and logging holds no position anyone could read past.
   */
  async record(event: CloudEvent): Promise<void> {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const naturalKey = naturalKeyOf(event.type, data) ?? `event:${event.id}`;
    for (;;) {
      if (await this.events.exists({ $or: [{ naturalKey }, { eventId: event.id }] })) return;
      const seq = (await this.head()) + 1;
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
        this.appended$.next(seq);
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another instance took the position (try the next), or logged this very event (then the check above returns).
      }
    }
  }

  /** Up to `limit` events after `after` that pass the filter, in log order. */
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
      cursor = row._id;
      if (row.void) continue; // written by earlier versions, which took positions from a counter
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
