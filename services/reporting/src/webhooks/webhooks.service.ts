import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { conflict, invalid, notFound, type Principal } from '@tt/platform';
import { AnalystEventsService } from '../analyst-events/analyst-events.service';
import { config } from '../config';
import type { CreateWebhookDto } from './webhook.dto';
import { liveSecrets, newSigningSecret } from './webhook-signing';
import { WebhookTargetPolicy } from './webhook-target';
import { WEBHOOK_DELIVERY_MODEL, WEBHOOK_SUBSCRIPTION_MODEL, type WebhookDeliveryRow, type WebhookSubscriptionRow } from './webhook.schema';

/** A subscriber keeps at most this many webhooks. */
export const MAX_WEBHOOKS_PER_OWNER = 20;

/** What a subscriber sees of a subscription: never the secrets (they are shown once, when issued). */
export const subscriptionView = (s: WebhookSubscriptionRow) => ({
  id: s._id,
  url: s.url,
  description: s.description,
  types: s.types,
  parks: s.parks,
  status: s.status,
  cursor: String(s.cursor),
  consecutiveFailures: s.consecutiveFailures,
  failingSince: s.failingSince,
  lastError: s.lastError,
  disabledAt: s.disabledAt,
  disabledReason: s.disabledReason,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/** Subscription management: what analysts create, list, rotate, replay and re-enable (deliveries: WebhookDeliveryEngine). */
@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly targets = new WebhookTargetPolicy(config.webhooks.allowedTargets);

  constructor(
    @InjectModel(WEBHOOK_SUBSCRIPTION_MODEL) private readonly subscriptions: Model<WebhookSubscriptionRow>,
    @InjectModel(WEBHOOK_DELIVERY_MODEL) private readonly deliveryLog: Model<WebhookDeliveryRow>,
    private readonly feed: AnalystEventsService,
  ) {}

  async onModuleInit(): Promise<void> {
    // Collections and indexes first: the test server fails a write that races a collection's implicit creation.
    await this.subscriptions.createCollection().catch(() => undefined);
    await this.subscriptions.init();
    await this.deliveryLog.createCollection().catch(() => undefined);
    await this.deliveryLog.init();
  }

  async create(dto: CreateWebhookDto, owner: Principal) {
    if (!config.webhooks.allowHttp && !dto.url.startsWith('https://')) {
      throw invalid([{ pointer: '/url', reason: 'must be an https URL' }]);
    }
    if (/^[a-z]+:\/\/[^/]*@/i.test(dto.url)) {
      throw invalid([{ pointer: '/url', reason: 'must not carry credentials' }]);
    }
    const target = await this.targets.check(new URL(dto.url));
    if (!target.ok) throw invalid([{ pointer: '/url', reason: target.reason }]);
    if ((await this.subscriptions.countDocuments({ owner: owner.subject })) >= MAX_WEBHOOKS_PER_OWNER) {
      throw conflict(`A subscriber keeps at most ${MAX_WEBHOOKS_PER_OWNER} webhooks; delete one first.`);
    }
    const now = new Date();
    const secret = newSigningSecret();
    const row = await this.subscriptions.create({
      _id: randomUUID(),
      owner: owner.subject,
      url: dto.url,
      description: dto.description,
      types: dto.types ?? [],
      parks: dto.parks ?? [],
      secrets: [{ secret, createdAt: now }],
      status: 'active',
      cursor: dto.after ?? (await this.feed.head()),
      consecutiveFailures: 0,
      createdAt: now,
      updatedAt: now,
    });
    return { ...subscriptionView(row.toObject()), secret };
  }

  async list(principal: Principal) {
    const rows = await this.subscriptions.find(principal.role === 'admin' ? {} : { owner: principal.subject }).sort({ createdAt: 1 }).lean();
    return { items: rows.map(subscriptionView) };
  }

  /** Analysts reach their own webhooks; admins every one. Anyone else's is a 404, not a 403: ids are not disclosed. */
  async get(id: string, principal: Principal): Promise<WebhookSubscriptionRow> {
    const row = await this.subscriptions.findOne({ _id: id, ...(principal.role === 'admin' ? {} : { owner: principal.subject }) }).lean();
    if (!row) throw notFound('webhook', id);
    return row;
  }

  async remove(id: string, principal: Principal): Promise<void> {
    await this.get(id, principal);
    await this.subscriptions.deleteOne({ _id: id });
  }

  /** A new secret; the previous ones keep signing for the overlap, so the receiver can switch without losing a delivery. */
  async rotateSecret(id: string, principal: Principal) {
    const row = await this.get(id, principal);
    const now = new Date();
    const overlapEnds = new Date(now.getTime() + config.webhooks.secretOverlapSeconds * 1000);
    const secret = newSigningSecret();
    const kept = liveSecrets(row.secrets, now).map((s) => ({ ...s, expiresAt: s.expiresAt && s.expiresAt < overlapEnds ? s.expiresAt : overlapEnds }));
    await this.subscriptions.updateOne({ _id: id }, { $set: { secrets: [{ secret, createdAt: now }, ...kept], updatedAt: now } });
    return { secret, previousSecretsValidUntil: kept.length ? overlapEnds : undefined };
  }

  /** Delivers again every event after `after` (and re-enables a disabled webhook). */
  async replay(id: string, after: number, principal: Principal) {
    await this.get(id, principal);
    return this.reactivate(id, { cursor: after });
  }

  /** Re-enables a disabled webhook where it stopped. */
  async enable(id: string, principal: Principal) {
    await this.get(id, principal);
    return this.reactivate(id, {});
  }

  async deliveriesOf(id: string, principal: Principal, page: number, pageSize: number) {
    await this.get(id, principal);
    const [items, total] = await Promise.all([
      this.deliveryLog.find({ subscriptionId: id }).sort({ at: -1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean(),
      this.deliveryLog.countDocuments({ subscriptionId: id }),
    ]);
    return { items: items.map(({ _id, ...d }) => ({ id: _id, ...d })), total, page, pageSize };
  }

  private async reactivate(id: string, set: { cursor?: number }) {
    const now = new Date();
    const row = await this.subscriptions
      .findOneAndUpdate(
        { _id: id },
        { $set: { status: 'active', consecutiveFailures: 0, updatedAt: now, ...set }, $unset: { failingSince: 1, lastError: 1, disabledAt: 1, disabledReason: 1 } },
        { new: true },
      )
      .lean();
    if (!row) throw notFound('webhook', id);
    return subscriptionView(row);
  }
}

