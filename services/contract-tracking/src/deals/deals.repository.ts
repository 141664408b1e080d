import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { EventOutbox, type OutboxEntry } from '@tt/messaging';
import { conflict, FOLLOW_UP_ROOM, followUpOf, MAX_FOLLOW_UPS, notFound, preconditionFailed, type FollowUpDto } from '@tt/platform';
import { isDuplicateKey } from '@tt/store';
import type { ListDealsQuery } from './deal.dto';
import { DEAL_MODEL, DEAL_TRANSITIONS, type Deal, type DealAction, type RegistrationChange } from './deal.schema';
import { assertAllowed, notAllowed, notRegistered } from './deal-rules';
import { present, type DealView } from './deal-view';

type Broker = { subject: string; parkId: string };

/**
 * The deals collection: every write a guarded single-document update (compare-and-set on status, version
 * or revision) carrying the events it stages, flushed to the outbox relay once it landed; and the reads,
 * always within the caller's park.
 */
@Injectable()
export class DealsRepository {
  constructor(
    @InjectModel(DEAL_MODEL) private readonly deals: Model<Deal>,
    private readonly outbox: EventOutbox,
  ) {}

  /** Inserts a deal opened from a match accepted; false when the proposal already has its deal (unique proposalId). */
  async insertOpened(deal: Deal): Promise<boolean> {
    try {
      await this.deals.create(deal);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return false;
    }
    this.outbox.flushCreated(this.deals, deal._id, deal.outbox);
    return true;
  }

  async get(id: string, parkId: string) {
    const deal = await this.deals.findOne({ _id: id, parkId }, { outbox: 0 }).lean().exec();
    if (!deal) throw notFound('deal', id);
    return present(deal as Deal);
  }

  async list(parkId: string, query: ListDealsQuery) {
    const filter: Record<string, string> = { parkId };
    if (query.status) filter.status = query.status;
    if (query.proposalId) filter.proposalId = query.proposalId;
    if (query.needId) filter.needId = query.needId;
    const [items, total] = await Promise.all([
      this.deals.find(filter, { outbox: 0 }).sort({ createdAt: -1, _id: 1 }).skip((query.page - 1) * query.pageSize).limit(query.pageSize).lean().exec(),
      this.deals.countDocuments(filter).exec(),
    ]);
    return { items: items.map((d) => present(d as Deal)), page: query.page, pageSize: query.pageSize, total };
  }

  /** Logs a follow-up on the deal (no event: the broker's own record; the deal's version is unchanged). */
  async logFollowUp(id: string, dto: FollowUpDto, broker: Broker) {
    const result = await this.deals.updateOne({ _id: id, parkId: broker.parkId, ...FOLLOW_UP_ROOM }, { $push: { followUps: followUpOf(dto, broker.subject) } }).exec();
    if (result.matchedCount === 0) {
      if (await this.deals.exists({ _id: id, parkId: broker.parkId })) throw conflict(`a deal keeps at most ${MAX_FOLLOW_UPS} follow-ups`, { maxFollowUps: MAX_FOLLOW_UPS });
      throw notFound('deal', id);
    }
    return this.get(id, broker.parkId);
  }

  /**
   * Moves the deal only if it is still in a status the action starts from; the status check, the
   * change and its events are one conditional single-document update, so two racing requests
   * cannot both succeed and a transition's events are staged exactly once.
   */
  async transition(deal: DealView, action: DealAction, broker: Broker, changes: Partial<Deal>, events: OutboxEntry[]) {
    assertAllowed(action, deal.status);
    const { to } = DEAL_TRANSITIONS[action];
    const at = new Date();
    let updated: Deal | null;
    try {
      updated = (await this.deals
        .findOneAndUpdate(
          { _id: deal.dealId, parkId: broker.parkId, status: deal.status },
          { $set: { ...changes, status: to }, $inc: { version: 1 }, $push: { history: { status: to, at, by: broker.subject }, outbox: { $each: events } } },
          { new: true, projection: { outbox: 0 } },
        )
        .lean()
        .exec()) as Deal | null;
    } catch (error) {
      // The unique registration-number index refused the write: nothing changed. The answer says
      // nothing about the contract that holds the number (it may be another park's).
      if (isDuplicateKey(error) && action === 'register') throw conflict('this registration number is already registered', { field: '/registrationNumber' });
      throw error;
    }
    if (!updated) {
      const current = await this.get(deal.dealId, broker.parkId);
      throw notAllowed(action, current.status);
    }
    if (events.length > 0) this.outbox.flush(this.deals, deal.dealId);
    return present(updated as Deal);
  }

  /** One compare-and-set on the deal's version and the registration's revision, with its event. */
  async writeRegistrationChange(deal: DealView, broker: Broker, update: { $set: object; $push?: object }, change: RegistrationChange, event: OutboxEntry) {
    const updated = (await this.deals
      .findOneAndUpdate(
        { _id: deal.dealId, parkId: broker.parkId, status: 'registered', version: deal.version, 'registration.revision': deal.registration!.revision },
        { $set: update.$set, $inc: { version: 1 }, $push: { ...update.$push, 'registration.changes': change, outbox: event } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean()
      .exec()) as Deal | null;
    if (!updated) {
      const current = await this.get(deal.dealId, broker.parkId);
      if (current.status !== 'registered') throw notRegistered(current.status);
      throw preconditionFailed(current.version);
    }
    this.outbox.flush(this.deals, deal.dealId);
    return present(updated);
  }
}
