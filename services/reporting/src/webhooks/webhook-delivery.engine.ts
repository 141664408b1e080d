import { Injectable, Logger } from '@nestjs/common';
import { counterMetric } from '@tt/observability';
import { AnalystEventsService, publicEvent, type AnalystEvent } from '../analyst-events/analyst-events.service';
import { config } from '../config';
import { liveSecrets, signedHeaders } from './webhook-signing';
import { postPinned, WebhookTargetPolicy } from './webhook-target';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';
import type { WebhookSubscriptionRow } from './webhook.schema';

const deliveries = counterMetric({ name: 'tt_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, failed)', labelNames: ['outcome'] as const });

/** The outcome of one pass over a subscription's pending events. */
export type DeliveryPass = { state: 'caught-up' | 'inactive' } | { state: 'failing'; error: string };

/**
 * The delivery engine: posts each active subscription's pending events of the analysts' log, signed
 * (Standard Webhooks), to a target checked at every attempt; moves the cursor by compare-and-set; counts
 * failures and disables a webhook failing past the configured window. Run by WebhookDeliveryProcessor.
 */
@Injectable()
export class WebhookDeliveryEngine {
  private readonly logger = new Logger(WebhookDeliveryEngine.name);
  private readonly targets = new WebhookTargetPolicy(config.webhooks.allowedTargets);

  constructor(
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly feed: AnalystEventsService,
  ) {}

  /** Ids of active webhooks behind the log's head: what the dispatcher should wake. */
  async behind(): Promise<string[]> {
    return this.subscriptions.activeBehind(await this.feed.head());
  }

  /**
   * Posts a subscription's pending events in log order until it is caught up or an attempt fails.
   * The cursor moves by compare-and-set after each event, so a replay (which sets it) or a second
   * runner (which BullMQ's one-job-per-subscription rules out) can never make it skip an event.
   */
  async deliverPending(id: string): Promise<DeliveryPass> {
    for (;;) {
      const sub = await this.subscriptions.find(id);
      if (!sub || sub.status !== 'active') return { state: 'inactive' };
      const { events, cursor } = await this.feed.readAfter(sub.cursor, 50, { types: sub.types, parks: sub.parks });
      if (events.length === 0 && cursor === sub.cursor) return { state: 'caught-up' };
      let at = sub.cursor;
      let moved = true;
      for (const event of events) {
        const attempt = await this.post(sub, event);
        if (!attempt.ok) return this.failed(sub, at, attempt.error); // `at`: the cursor as this pass has moved it
        moved = await this.subscriptions.advance(id, at, event.seq, sub.failingSince !== undefined);
        if (!moved) break;
        at = event.seq;
      }
      if (moved && cursor > at) await this.subscriptions.advance(id, at, cursor, false);
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
    await this.subscriptions.logAttempt({
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

  /** Counts the failure; past the disable window the webhook is disabled (replay or enable brings it back). */
  private async failed(sub: WebhookSubscriptionRow, cursor: number, error: string): Promise<DeliveryPass> {
    const now = new Date();
    const failingSince = sub.failingSince ?? now;
    const disable = now.getTime() - failingSince.getTime() >= config.webhooks.disableAfterSeconds * 1000;
    await this.subscriptions.recordFailure(sub._id, cursor, {
      failingSince,
      error,
      at: now,
      ...(disable ? { disabledReason: `failing since ${failingSince.toISOString()}: ${error}` } : {}),
    });
    if (disable) {
      this.logger.warn({ subscriptionId: sub._id, failingSince }, 'webhook disabled after repeated failure');
      return { state: 'inactive' };
    }
    return { state: 'failing', error };
  }
}
