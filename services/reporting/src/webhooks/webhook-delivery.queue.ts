import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { debounceTime, type Subscription } from 'rxjs';
import { inJobSpan, traceparentForJob } from '@tt/observability';
import { AnalystEventsService } from '../analyst-events/analyst-events.service';
import { config } from '../config';
import { retryDelayMs } from './webhook-retries';
import { WebhookDeliveryEngine } from './webhook-delivery.engine';
import { MAX_STALLED_COUNT } from '@tt/platform';

export const WEBHOOK_DELIVERY_QUEUE = 'webhook-deliveries';
/** Wakes every webhook left behind (an event logged by another instance, a nudge lost to a race). */
const SWEEP_EVERY_MS = 5_000;

type DeliveryJob = { subscriptionId: string; traceparent?: string } | { sweep: true };


/**
 * One job per subscription (`deliver-<id>`): BullMQ runs a job id once at a time across all
 * instances, so a subscription's events go out one by one, in log order. A failing pass throws, and
 * BullMQ retries it with exponential backoff; the job ends when the subscription is caught up or
 * disabled.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private appended?: Subscription;

  constructor(
    @InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
    private readonly webhooks: WebhookDeliveryEngine,
    private readonly feed: AnalystEventsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('webhook-sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep', data: { sweep: true } });
    this.appended = this.feed.appended$.pipe(debounceTime(50)).subscribe(() => void this.wakeBehind().catch(() => undefined));
  }

  onModuleDestroy(): void {
    this.appended?.unsubscribe();
  }

  async wake(subscriptionId: string): Promise<void> {
    await this.queue.add(
      'deliver',
      { subscriptionId, ...traceparentForJob() },
      { jobId: `deliver-${subscriptionId}`, attempts: 1_000_000, backoff: { type: 'webhook' }, removeOnComplete: true, removeOnFail: true },
    );
  }

  async wakeBehind(): Promise<void> {
    for (const id of await this.webhooks.behind()) await this.wake(id);
  }
}

@Processor(WEBHOOK_DELIVERY_QUEUE, {
  concurrency: 4,
  maxStalledCount: MAX_STALLED_COUNT,
  settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, config.webhooks.retryMaxSeconds) },
})
export class WebhookDeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookDeliveryProcessor.name);

  constructor(
    private readonly webhooks: WebhookDeliveryEngine,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    super();
  }

  async process(job: Job<DeliveryJob>): Promise<void> {
    if ('sweep' in job.data) return this.dispatcher.wakeBehind();
    const { subscriptionId } = job.data;
    const pass = await inJobSpan(WEBHOOK_DELIVERY_QUEUE, job, () => this.webhooks.deliverPending(subscriptionId));
    if (pass.state === 'failing') throw new Error(pass.error);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<DeliveryJob> | undefined, error: Error) {
    if (job && 'subscriptionId' in job.data) this.logger.warn({ subscriptionId: job.data.subscriptionId, attempt: job.attemptsMade }, `webhook delivery failed: ${error.message}`);
  }
}
