import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { notFound } from '@tt/platform';
import { WEBHOOK_DELIVERY_MODEL, WEBHOOK_SUBSCRIPTION_MODEL, type SigningSecret, type WebhookDeliveryRow, type WebhookSubscriptionRow } from './webhook.schema';

/** A failed attempt as the subscription records it; `disabledReason` also disables the webhook. */
export interface RecordedFailure {
  failingSince: Date;
  error: string;
  at: Date;
  disabledReason?: string;
}

/**
 * The webhook subscriptions and their delivery log: the reads (an owner's, or every one for `owner`
 * undefined), and every write a single-document update; the delivery's are compare-and-set on the
 * cursor, so a replay (which sets it) or a second runner can never make a pass skip an event.
 */
@Injectable()
export class WebhookSubscriptionsRepository implements OnModuleInit {
  constructor(
    @InjectModel(WEBHOOK_SUBSCRIPTION_MODEL) private readonly subscriptions: Model<WebhookSubscriptionRow>,
    @InjectModel(WEBHOOK_DELIVERY_MODEL) private readonly deliveryLog: Model<WebhookDeliveryRow>,
  ) {}

  async onModuleInit(): Promise<void> {
    // Collections and indexes first: the test server fails a write that races a collection's implicit creation.
    await this.subscriptions.createCollection().catch(() => undefined);
    await this.subscriptions.init();
    await this.deliveryLog.createCollection().catch(() => undefined);
    await this.deliveryLog.init();
  }

  countOwnedBy(owner: string): Promise<number> {
    return this.subscriptions.countDocuments({ owner });
  }

  async insert(row: WebhookSubscriptionRow): Promise<WebhookSubscriptionRow> {
    return (await this.subscriptions.create(row)).toObject();
  }

  list(owner: string | undefined): Promise<WebhookSubscriptionRow[]> {
    return this.subscriptions.find(owner === undefined ? {} : { owner }).sort({ createdAt: 1 }).lean();
  }

  /** The webhook, if `owner` (undefined: anyone) holds it; else a 404. */
  async get(id: string, owner: string | undefined): Promise<WebhookSubscriptionRow> {
    const row = await this.subscriptions.findOne({ _id: id, ...(owner === undefined ? {} : { owner }) }).lean();
    if (!row) throw notFound('webhook', id);
    return row;
  }

  find(id: string): Promise<WebhookSubscriptionRow | null> {
    return this.subscriptions.findById(id).lean();
  }

  /** Ids of active webhooks whose cursor is before `head`. */
  async activeBehind(head: number): Promise<string[]> {
    const rows = await this.subscriptions.find({ status: 'active', cursor: { $lt: head } }, { _id: 1 }).lean();
    return rows.map((r) => r._id);
  }

  async remove(id: string): Promise<void> {
    await this.subscriptions.deleteOne({ _id: id });
  }

  /** The secrets that sign from now on (the new one first, the previous ones with their expiry). */
  async replaceSecrets(id: string, secrets: SigningSecret[], at: Date): Promise<void> {
    await this.subscriptions.updateOne({ _id: id }, { $set: { secrets, updatedAt: at } });
  }

  /** Active again with no failures recorded (and at `set.cursor` if given); a 404 if it is gone. */
  async reactivate(id: string, set: { cursor?: number }): Promise<WebhookSubscriptionRow> {
    const now = new Date();
    const row = await this.subscriptions
      .findOneAndUpdate(
        { _id: id },
        { $set: { status: 'active', consecutiveFailures: 0, updatedAt: now, ...set }, $unset: { failingSince: 1, lastError: 1, disabledAt: 1, disabledReason: 1 } },
        { new: true },
      )
      .lean();
    if (!row) throw notFound('webhook', id);
    return row;
  }

  /** Moves the cursor from `from` to `to` (compare-and-set); false when it was no longer at `from`. */
  async advance(id: string, from: number, to: number, clearFailures: boolean): Promise<boolean> {
    const now = new Date();
    const update = clearFailures
      ? { $set: { cursor: to, consecutiveFailures: 0, updatedAt: now }, $unset: { failingSince: 1, lastError: 1 } }
      : { $set: { cursor: to, consecutiveFailures: 0 } };
    const result = await this.subscriptions.updateOne({ _id: id, cursor: from }, update);
    return result.modifiedCount === 1 || result.matchedCount === 1;
  }

  /** Counts a failure at `cursor` (compare-and-set: nothing if the cursor moved meanwhile), disabling the webhook if told why. */
  async recordFailure(id: string, cursor: number, { failingSince, error, at, disabledReason }: RecordedFailure): Promise<void> {
    await this.subscriptions.updateOne(
      { _id: id, cursor },
      {
        $set: {
          failingSince,
          lastError: error,
          updatedAt: at,
          ...(disabledReason !== undefined ? { status: 'disabled', disabledAt: at, disabledReason } : {}),
        },
        $inc: { consecutiveFailures: 1 },
      },
    );
  }

  /** One attempt, in the delivery log (kept 30 days). */
  async logAttempt(attempt: Omit<WebhookDeliveryRow, '_id'>): Promise<void> {
    await this.deliveryLog.create({ _id: randomUUID(), ...attempt });
  }

  /** A webhook's delivery log, newest first. */
  async attemptsOf(id: string, page: number, pageSize: number) {
    const [items, total] = await Promise.all([
      this.deliveryLog.find({ subscriptionId: id }).sort({ at: -1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean(),
      this.deliveryLog.countDocuments({ subscriptionId: id }),
    ]);
    return { items: items.map(({ _id, ...d }) => ({ id: _id, ...d })), total, page, pageSize };
  }
}
