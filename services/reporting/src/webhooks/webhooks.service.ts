import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { conflict, invalid, type Principal } from '@tt/platform';
import { AnalystEventsService } from '../analyst-events/analyst-events.service';
import { config } from '../config';
import type { CreateWebhookDto } from './webhook.dto';
import { liveSecrets, newSigningSecret } from './webhook-signing';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';
import { WebhookTargetPolicy } from './webhook-target';
import type { WebhookSubscriptionRow } from './webhook.schema';

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

/** Whose webhooks a principal reaches: an analyst their own, an admin every one (undefined). */
const ownerOf = (principal: Principal) => (principal.role === 'admin' ? undefined : principal.subject);

/** Subscription management: what analysts create, list, rotate, replay and re-enable (deliveries: WebhookDeliveryEngine). */
@Injectable()
export class WebhooksService {
  private readonly targets = new WebhookTargetPolicy(config.webhooks.allowedTargets);

  constructor(
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly feed: AnalystEventsService,
  ) {}

  async create(dto: CreateWebhookDto, owner: Principal) {
    if (!config.webhooks.allowHttp && !dto.url.startsWith('https://')) {
      throw invalid([{ pointer: '/url', reason: 'must be an https URL' }]);
    }
    if (/^[a-z]+:\/\/[^/]*@/i.test(dto.url)) {
      throw invalid([{ pointer: '/url', reason: 'must not carry credentials' }]);
    }
    const target = await this.targets.check(new URL(dto.url));
    if (!target.ok) throw invalid([{ pointer: '/url', reason: target.reason }]);
    if ((await this.subscriptions.countOwnedBy(owner.subject)) >= MAX_WEBHOOKS_PER_OWNER) {
      throw conflict(`A subscriber keeps at most ${MAX_WEBHOOKS_PER_OWNER} webhooks; delete one first.`);
    }
    const now = new Date();
    const secret = newSigningSecret();
    const row = await this.subscriptions.insert({
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
    return { ...subscriptionView(row), secret };
  }

  async list(principal: Principal) {
    const rows = await this.subscriptions.list(ownerOf(principal));
    return { items: rows.map(subscriptionView) };
  }

  /** Analysts reach their own webhooks; admins every one. Anyone else's is a 404, not a 403: ids are not disclosed. */
  get(id: string, principal: Principal): Promise<WebhookSubscriptionRow> {
    return this.subscriptions.get(id, ownerOf(principal));
  }

  async remove(id: string, principal: Principal): Promise<void> {
    await this.get(id, principal);
    await this.subscriptions.remove(id);
  }

  /** A new secret; the previous ones keep signing for the overlap, so the receiver can switch without losing a delivery. */
  async rotateSecret(id: string, principal: Principal) {
    const row = await this.get(id, principal);
    const now = new Date();
    const overlapEnds = new Date(now.getTime() + config.webhooks.secretOverlapSeconds * 1000);
    const secret = newSigningSecret();
    const kept = liveSecrets(row.secrets, now).map((s) => ({ ...s, expiresAt: s.expiresAt && s.expiresAt < overlapEnds ? s.expiresAt : overlapEnds }));
    await this.subscriptions.replaceSecrets(id, [{ secret, createdAt: now }, ...kept], now);
    return { secret, previousSecretsValidUntil: kept.length ? overlapEnds : undefined };
  }

  /** Delivers again every event after `after` (and re-enables a disabled webhook). */
  async replay(id: string, after: number, principal: Principal) {
    await this.get(id, principal);
    return subscriptionView(await this.subscriptions.reactivate(id, { cursor: after }));
  }

  /** Re-enables a disabled webhook where it stopped. */
  async enable(id: string, principal: Principal) {
    await this.get(id, principal);
    return subscriptionView(await this.subscriptions.reactivate(id, {}));
  }

  async deliveriesOf(id: string, principal: Principal, page: number, pageSize: number) {
    await this.get(id, principal);
    return this.subscriptions.attemptsOf(id, page, pageSize);
  }
}

