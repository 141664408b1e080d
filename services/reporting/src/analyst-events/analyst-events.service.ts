import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Subject } from 'rxjs';
import { type BatchWork, type CloudEvent } from '@tt/messaging';
import { bulkWriteFailures, isDuplicateKey } from '@tt/store';
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
export class AnalystEventsService implements OnModuleInit, BatchWork<CloudEvent> {
  readonly name = 'analysts\' event log';
  /** After the totals' roll-ups (stage 0): an analyst who reads the totals on an event finds them moved. */
  readonly stage = 1;

  /** The newest position this instance wrote or read (0: none yet); see positionToFollow. */
  private newestKnown = 0;
  /** Where this instance's last insert collided (0: none since): a position another instance may hold; see positionToFollow. */
  private collidedAt = 0;

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

  /** A batch's applied events (BatchWork: the deal consumer leaves each to its batch's end). */
  async settle(events: readonly CloudEvent[]): Promise<void> {
    await this.recordMany(events);
  }

  /** Logs one applied deal event (see recordMany). */
  record(event: CloudEvent): Promise<void> {
    return this.recordMany([event]);
  }

  /**
   * Logs applied deal events once each, in the order given, whatever the redeliveries, replays under
   * new ids and however many instances: by their natural identity (deal, type, revision), not their id.
   *
   * Gap-free by construction: the events take the positions after the newest row, in one ordered
   * insert, each position written only after the one before it (`_id` is unique: of two instances
   * racing for a position one wins, the other's insert stops there and it reads the newest again for
   * the rest). A position exists only once its event does, and only after every lower one, so a
   * reader never meets a hole and never has to wait at one: a writer that stalls, or dies, between
   * deciding to log and logging holds no position anyone could read past.
   */
  async recordMany(events: readonly CloudEvent[]): Promise<void> {
    let left = events.map((event) => {
      const data = (event.data ?? {}) as Record<string, unknown>;
      return { event, data, naturalKey: naturalKeyOf(event.type, data) ?? `event:${event.id}` };
    });
    while (left.length > 0) {
      // Two reads, each answered by its unique index (an `$or` of the two is a whole-log scan on some stores).
      const [byKey, byId] = await Promise.all([
        this.events.find({ naturalKey: { $in: left.map((e) => e.naturalKey) } }, { naturalKey: 1 }).lean(),
        this.events.find({ eventId: { $in: left.map((e) => e.event.id) } }, { eventId: 1 }).lean(),
      ]);
      const keys = new Set(byKey.map((row) => row.naturalKey));
      const ids = new Set(byId.map((row) => row.eventId));
      left = left.filter(({ event, naturalKey }) => {
        if (keys.has(naturalKey) || ids.has(event.id)) return false;
        keys.add(naturalKey); // the same event twice in one batch is logged once
        ids.add(event.id);
        return true;
      });
      if (left.length === 0) return;
      const head = await this.positionToFollow();
      const rows = left.map(({ event, data, naturalKey }, i) => ({
        _id: head + 1 + i,
        eventId: event.id,
        naturalKey,
        type: event.type,
        time: event.time,
        ...(typeof data.dealId === 'string' && { dealId: data.dealId }),
        ...(typeof data.parkId === 'string' && { parkId: data.parkId }),
        data: analystView(data) as Record<string, unknown>,
        recordedAt: new Date(),
      }));
      let inserted = rows.length;
      try {
        await this.events.insertMany(rows, { ordered: true, lean: true });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another instance took a position (the rest go again after the newest), or logged one of these events (the check drops it).
        inserted = bulkWriteFailures(error)[0]?.index ?? 0; // an ordered insert stops at its first failure
        this.newestKnown = 0; // the head moved past it: find it again
        this.collidedAt = rows[inserted]._id;
      }
      if (inserted > 0) this.newestKnown = rows[inserted - 1]._id;
      for (let i = 0; i < inserted; i++) this.appended$.next(rows[i]._id);
      left = left.slice(inserted);
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

  /**
   * Where the next events go after: the newest position this instance wrote (or read), while it is
   * still there, else the head. The log only grows, so the head is at or past it; when another
   * instance went further, the insert at the next position collides, and the head is found from the
   * position it collided at (lastTakenFrom). Reads by `_id` instead of the newest-first read, which
   * some stores answer by reading the whole log: with two instances that read came at every collision,
   * and was the benchmark's third most costly whole-collection read.
   */
  private async positionToFollow(): Promise<number> {
    const collidedAt = this.collidedAt;
    this.collidedAt = 0;
    // Past the position this instance wrote last, so followed first: going on after that position would only collide again.
    // A collision on the event's own key (another instance logged it) leaves that position free: then as without one.
    if (collidedAt > 0 && (await this.events.exists({ _id: collidedAt }))) return (this.newestKnown = await this.lastTakenFrom(collidedAt));
    if (this.newestKnown > 0 && (await this.events.exists({ _id: this.newestKnown }))) return this.newestKnown;
    this.newestKnown = await this.head();
    return this.newestKnown;
  }

  /**
   * The newest position, from one that is taken: every position is taken only after the one before it,
   * so the taken ones run without a hole from there to the head, which reads by `_id` find (forward in
   * doubling steps, then halving the last step). The log may grow meanwhile: then the next insert
   * collides again, as with any head that was read.
   */
  private async lastTakenFrom(taken: number): Promise<number> {
    let last = taken;
    let step = 1;
    while (await this.events.exists({ _id: last + step })) {
      last += step;
      step *= 2;
    }
    let free = last + step;
    while (free - last > 1) {
      const middle = Math.floor((last + free) / 2);
      if (await this.events.exists({ _id: middle })) last = middle;
      else free = middle;
    }
    return last;
  }

  /** The newest position (for a client that wants only what comes next). */
  async head(): Promise<number> {
    const newest = await this.events.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean();
    return newest?._id ?? 0;
  }
}
