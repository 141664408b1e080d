import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { NeedStatus } from '@tt/contracts';
import { EventOutbox, type OutboxEntry } from '@tt/messaging';
import { bulkWriteFailures, insertAsCreated, isDuplicateKey } from '@tt/store';
import { conflict, FOLLOW_UP_ROOM, followUpOf, MAX_FOLLOW_UPS, notFound, preconditionFailed, type FollowUpDto } from '@tt/platform';
import type { ListNeedsQuery } from './need.dto';
import { NEED_MODEL, type Need } from './need.schema';
import type { DownstreamFacts } from './need-status';
import { present, type NeedView } from './need-view';

type Broker = { subject: string; parkId: string };
type HistoryEntry = { status: NeedStatus; at: Date; cause: string };
const HISTORY_LIMIT = 50;

/**
 * The needs collection: the insert that carries the need-captured event, every change a compare-and-set
 * on the need's `version` (its ETag) carrying the change's events, flushed to the outbox relay once it
 * landed; and the reads, within the caller's park.
 */
@Injectable()
export class NeedsRepository {
  constructor(
    @InjectModel(NEED_MODEL) private readonly needs: Model<Need>,
    private readonly outbox: EventOutbox,
  ) {}

  /**
   * The need and its need-captured event (in `need.outbox`), in one document write (see OutboxRelay).
   * A duplicate id (the unique `_id`) is thrown as the store's duplicate-key error.
   */
  async insertCaptured(need: Omit<Need, 'createdAt' | 'updatedAt'>): Promise<Need> {
    // Stored as `create` would store it, without a mongoose document (see insertAsCreated): every field
    // was checked by the request's DTO and the event's contract.
    const created = await insertAsCreated(this.needs, need);
    this.outbox.flushCreated(this.needs, need._id, need.outbox);
    return created as unknown as Need; // with the timestamps insertAsCreated set
  }

  /**
   * Many needs, each with its need-captured event, in one unordered insert (one round trip; each
   * document written whole or not at all, as one insert would). Returns, per need, whether it was
   * written: one whose id was there already (the unique `_id`; an earlier need, or the same need twice
   * in `needs`) is not written again. Any other failure is thrown.
   */
  async insertCapturedMany(needs: Omit<Need, 'createdAt' | 'updatedAt'>[]): Promise<boolean[]> {
    const written = needs.map(() => true);
    try {
      await this.needs.insertMany(needs, { ordered: false, throwOnValidationError: true });
    } catch (error) {
      const failures = bulkWriteFailures(error);
      if (failures.length === 0 || failures.some((f) => !isDuplicateKey(f))) throw error;
      for (const { index } of failures) written[index] = false;
    }
    needs.forEach((need, i) => written[i] && this.outbox.flushCreated(this.needs, need._id, need.outbox));
    return written;
  }

  /** The import that created each need, for those an import created. */
  async importIdsOf(needIds: string[]): Promise<Map<string, string | undefined>> {
    if (needIds.length === 0) return new Map();
    const found = await this.needs.find({ _id: { $in: needIds } }, { importId: 1 }).lean().exec();
    return new Map(found.map((need) => [need._id, need.importId]));
  }

  /** The need as stored (without its outbox), or null when the park has no need with this id. */
  async findInPark(id: string, parkId: string): Promise<Need | null> {
    return (await this.needs.findOne({ _id: id, parkId }, { outbox: 0 }).lean().exec()) as Need | null;
  }

  async get(id: string, parkId: string) {
    const need = await this.findInPark(id, parkId);
    if (!need) throw notFound('need', id);
    return present(need);
  }

  async list(parkId: string, query: ListNeedsQuery) {
    const filter: Record<string, string> = { parkId };
    if (query.category) filter.category = query.category;
    if (query.technicalField) filter.technicalField = query.technicalField;
    if (query.enterpriseId) filter.enterpriseId = query.enterpriseId;
    if (query.status) filter.status = query.status;
    const [items, total] = await Promise.all([
      this.needs
        .find(filter, { outbox: 0 })
        .sort({ createdAt: -1, _id: 1 })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean()
        .exec(),
      this.needs.countDocuments(filter).exec(),
    ]);
    return { items: items.map((n) => present(n as Need)), page: query.page, pageSize: query.pageSize, total };
  }

  /** Logs a follow-up on the need (no event: it is the broker's own record, not a change of the need). */
  async logFollowUp(id: string, dto: FollowUpDto, broker: Broker) {
    const result = await this.needs.updateOne({ _id: id, parkId: broker.parkId, ...FOLLOW_UP_ROOM }, { $push: { followUps: followUpOf(dto, broker.subject) } }).exec();
    if (result.matchedCount === 0) {
      if (await this.needs.exists({ _id: id, parkId: broker.parkId })) throw conflict(`a need keeps at most ${MAX_FOLLOW_UPS} follow-ups`, { maxFollowUps: MAX_FOLLOW_UPS });
      throw notFound('need', id);
    }
    return this.get(id, broker.parkId);
  }

  /** The change, its events and a version bump in one compare-and-set; a lost race answers 412 or 409. */
  async write(
    need: Need,
    update: { $set: Record<string, unknown> },
    events: OutboxEntry[],
    guard: { statuses: NeedStatus[]; history?: HistoryEntry },
  ): Promise<NeedView> {
    const updated = (await this.needs
      .findOneAndUpdate(
        { ...versionGuard(need), status: { $in: guard.statuses } },
        {
          ...update,
          $inc: { version: 1 },
          $push: {
            outbox: { $each: events },
            ...(guard.history ? { history: { $each: [guard.history], $slice: -HISTORY_LIMIT } } : {}),
          },
        },
        { new: true, projection: { outbox: 0 } },
      )
      .lean()
      .exec()) as Need | null;
    if (!updated) {
      const current = (await this.needs.findById(need._id, { outbox: 0 }).lean().exec()) as Need;
      if ((current.version ?? 0) !== (need.version ?? 0)) throw preconditionFailed(current.version ?? 0);
      throw conflict(`the need is now "${current.status}"`, { currentStatus: current.status });
    }
    this.outbox.flush(this.needs, need._id);
    return present(updated);
  }

  /** The need a downstream event names, whichever park it is in (events carry no caller), or null. */
  async findForDownstream(needId: string): Promise<Need | null> {
    return (await this.needs.findById(needId, { outbox: 0 }).lean().exec()) as Need | null;
  }

  /**
   * The downstream facts and the status derived from them, in one compare-and-set on the version read
   * (no event: intake publishes nothing for them). False when another write changed the need meanwhile.
   */
  async writeDownstream(need: Need, facts: DownstreamFacts, status: NeedStatus, history: HistoryEntry | undefined): Promise<boolean> {
    const updated = await this.needs
      .updateOne(versionGuard(need), {
        $set: { downstream: facts, status },
        $inc: { version: 1 },
        ...(history ? { $push: { history: { $each: [history], $slice: -HISTORY_LIMIT } } } : {}),
      })
      .exec();
    return updated.modifiedCount === 1;
  }

  /**
   * The first downstream facts of a need still in `from` with none yet, without reading it first: one
   * conditional write (the condition is the compare-and-set). False when the need is not in that state.
   */
  async writeFirstDownstream(needId: string, from: NeedStatus, facts: DownstreamFacts, status: NeedStatus, history: HistoryEntry): Promise<boolean> {
    const updated = await this.needs
      .updateOne(
        { _id: needId, status: from, downstream: { $exists: false } },
        { $set: { downstream: facts, status }, $inc: { version: 1 }, $push: { history: { $each: [history], $slice: -HISTORY_LIMIT } } },
      )
      .exec();
    return updated.modifiedCount === 1;
  }
}

/** Matches the need only at the version read (needs written before versions existed are at 0). */
function versionGuard(need: Need) {
  const version = need.version ?? 0;
  return version === 0 ? { _id: need._id, $or: [{ version: 0 }, { version: { $exists: false } }] } : { _id: need._id, version };
}
