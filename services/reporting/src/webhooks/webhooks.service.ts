import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { counterMetric } from '@tt/observability';
import { conflict, invalid, notFound, type Principal } from '@tt/platform';
import { AnalystEventsService, publicEvent, type AnalystEvent } from '../analyst-events/analyst-events.service';
import { config } from '../config';
import type { CreateWebhookDto } from './webhook.dto';
import { liveSecrets, newSigningSecret, signedHeaders } from './webhook-signing';
import { postPinned, WebhookTargetPolicy } from './webhook-target';
import { WEBHOOK_DELIVERY_MODEL, WEBHOOK_SUBSCRIPTION_MODEL, type WebhookDeliveryRow, type WebhookSubscriptionRow } from './webhook.schema';

/** A subscriber keeps at most this many webhooks. */
export const MAX_WEBHOOKS_PER_OWNER = 20;

const deliveries = counterMetric({ name: 'tt_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, failed)', labelNames: ['outcome'] as const });

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

/** The outcome of one pass over a subscription's pending events. */
export type DeliveryPass = { state: 'caught-up' | 'inactive' } | { state: 'failing'; error: string };

@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly logger = new Logger(WebhooksService.name);
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

  /** Ids of active webhooks behind the log's head: what the dispatcher should wake. */
  async behind(): Promise<string[]> {
    const head = await this.feed.head();
    const rows = await this.subscriptions.find({ status: 'active', cursor: { $lt: head } }, { _id: 1 }).lean();
    return rows.map((r) => r._id);
  }

  /**
   * Posts a subscription's pending events in log order until it is caught up or an attempt fails.
   * The cursor moves by compare-and-set after each event, so a replay (which sets it) or a second
   * runner (which BullMQ's one-job-per-subscription rules out) can never make it skip an event.
   */
  async deliverPending(id: string): Promise<DeliveryPass> {
    for (;;) {
      const sub = await this.subscriptions.findById(id).lean();
      if (!sub || sub.status !== 'active') return { state: 'inactive' };
      const { events, cursor } = await this.feed.readAfter(sub.cursor, 50, { types: sub.types, parks: sub.parks });
      if (events.length === 0 && cursor === sub.cursor) return { state: 'caught-up' };
      let at = sub.cursor;
      let moved = true;
      for (const event of events) {
        const attempt = await this.post(sub, event);
        if (!attempt.ok) return this.failed(sub, attempt.error);
        moved = await this.advance(id, at, event.seq, sub.failingSince !== undefined);
        if (!moved) break;
        at = event.seq;
      }
      if (moved && cursor > at) await this.advance(id, at, cursor, false);
    }
  }

  private async post(sub: WebhookSubscriptionRow, event: AnalystEvent): Promise<{ ok: true } | { ok: false; error: string }> {
    const body = JSON.stringify({ type: event.type, timestamp: event.time, data: publicEvent(event) });
    const started = Date.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    // Checked again at every delivery (the name may resolve elsewhere by now), and connected to the address checked.
    const url = new URL(sub.url);
    const target = await this.targets.check(url);
    if (!target.ok) error = 'target refused';
    else {
      const headers = { 'content-type': 'application/json', 'user-agent': 'techtransfer-webhooks/1', ...signedHeaders(event.eventId, body, liveSecrets(sub.secrets)) };
      const result = await postPinned(url, target, headers, body, config.webhooks.timeoutSeconds * 1000);
      if ('failure' in result) error = result.failure;
      else {
        statusCode = result.status;
        if (statusCode < 200 || statusCode >= 300) error = `the endpoint answered ${statusCode}`;
      }
    }
    const outcome = error ? 'failed' : 'delivered';
    deliveries.inc({ outcome });
    await this.deliveryLog.create({
      _id: randomUUID(),
      subscriptionId: sub._id,
      webhookId: event.eventId,
      seq: event.seq,
      type: event.type,
      outcome,
      statusCode,
      error,
      durationMs: Date.now() - started,
      at: new Date(),
    });
    return error ? { ok: false, error } : { ok: true };
  }

  private async advance(id: string, from: number, to: number, clearFailures: boolean): Promise<boolean> {
    const now = new Date();
    const update = clearFailures
      ? { $set: { cursor: to, consecutiveFailures: 0, updatedAt: now }, $unset: { failingSince: 1, lastError: 1 } }
      : { $set: { cursor: to, consecutiveFailures: 0 } };
    const result = await this.subscriptions.updateOne({ _id: id, cursor: from }, update);
    return result.modifiedCount === 1 || result.matchedCount === 1;
  }

  /** Counts the failure; past the disable window the webhook is disabled (replay or enable brings it back). */
  private async failed(sub: WebhookSubscriptionRow, error: string): Promise<DeliveryPass> {
    const now = new Date();
    const failingSince = sub.failingSince ?? now;
    const disable = now.getTime() - failingSince.getTime() >= config.webhooks.disableAfterSeconds * 1000;
    await this.subscriptions.updateOne(
      { _id: sub._id, cursor: sub.cursor },
      {
        $set: {
          failingSince,
          lastError: error,
          updatedAt: now,
          ...(disable ? { status: 'disabled', disabledAt: now, disabledReason: `failing since ${failingSince.toISOString()}: ${error}` } : {}),
        },
        $inc: { consecutiveFailures: 1 },
      },
    );
    if (disable) {
      this.logger.warn({ subscriptionId: sub._id, failingSince }, 'webhook disabled after repeated failure');
      return { state: 'inactive' };
    }
    return { state: 'failing', error };
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

