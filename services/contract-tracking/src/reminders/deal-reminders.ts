import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { ContractSignedV1, DealOpenedV1, type PayloadOf } from '@tt/contracts';
import { EventConsumer, EventOutbox } from '@tt/messaging';
import { inJobSpan, traceparentForJob } from '@tt/observability';
import { config } from '../config';
import { DEAL_MODEL, type Deal } from '../deals/deal.schema';
import { eventContext } from '../deals/deal-view';
import { MAX_STALLED_COUNT } from '@tt/platform';

/**
 * Delayed BullMQ jobs, one per deal and stage, due when the deal has stayed at intent (or signed)
 * the configured time. Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const DEAL_REMINDER_QUEUE = 'contract-tracking-reminders';

type Stage = 'intent' | 'signed';
export interface DealReminderJob {
  dealId: string;
  stage: Stage;
  since: string;
}

const KIND = { intent: 'deal-idle-at-intent', signed: 'deal-idle-at-signed' } as const;
const WAIT_SECONDS = { intent: () => config.dealIdleAtIntentAfterSeconds, signed: () => config.dealIdleAtSignedAfterSeconds };
const JOB_DEFAULTS: JobsOptions = { attempts: 20, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: { age: 30 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } };

/**
 * Schedules each deal's reminders from contract-tracking's own deal events (opened, signed): once the
 * write landed, its event is published at least once, so no deal goes without its reminder job,
 * whichever instance wrote it. Job id = reminder id: a redelivery schedules nothing twice.
 */
@EventConsumer()
export class DealRemindersScheduler {
  constructor(@InjectQueue(DEAL_REMINDER_QUEUE) private readonly queue: Queue<DealReminderJob>) {}

  @EventPattern(DealOpenedV1.type)
  async opened(@Payload() e: PayloadOf<typeof DealOpenedV1.type>) {
    await this.schedule(e.dealId, 'intent', e.openedAt);
  }

  @EventPattern(ContractSignedV1.type)
  async signed(@Payload() e: PayloadOf<typeof ContractSignedV1.type>) {
    await this.schedule(e.dealId, 'signed', e.signedAt);
  }

  private async schedule(dealId: string, stage: Stage, since: string) {
    const dueAt = Date.parse(since) + WAIT_SECONDS[stage]() * 1000;
    await this.queue.add(KIND[stage], { dealId, stage, since, ...traceparentForJob() }, { ...JOB_DEFAULTS, jobId: `${KIND[stage]}/${dealId}`, delay: Math.max(0, dueAt - Date.now()) });
  }
}

/**
 * A due reminder is raised on the deal itself: one conditional update that needs the deal still at
 * that stage and not yet reminded of it, staging the event in the deal's outbox. A sign or cancel that
 * won the race leaves nothing to raise; a job run twice raises once.
 */
@Injectable()
export class DealRemindersService {
  constructor(
    @InjectModel(DEAL_MODEL) private readonly deals: Model<Deal>,
    private readonly outbox: EventOutbox,
  ) {}

  async due({ dealId, stage, since }: DealReminderJob): Promise<'raised' | 'not-needed'> {
    const deal = await this.deals.findById(dealId, { outbox: 0 }).lean().exec();
    if (!deal || deal.status !== stage || deal.reminded?.[stage]) return 'not-needed';
    const raisedAt = new Date();
    const event = this.outbox.stage('cn.techtransfer.deal.reminder.v1', {
      ...eventContext({ ...deal, dealId }),
      reminderId: `${KIND[stage]}/${dealId}`,
      kind: KIND[stage],
      since,
      waitedSeconds: WAIT_SECONDS[stage](),
      raisedAt: raisedAt.toISOString(),
    });
    const result = await this.deals
      .updateOne({ _id: dealId, status: stage, [`reminded.${stage}`]: { $exists: false } }, { $set: { [`reminded.${stage}`]: raisedAt }, $push: { outbox: event } })
      .exec();
    if (result.modifiedCount === 0) return 'not-needed';
    this.outbox.flush(this.deals, dealId);
    return 'raised';
  }
}

@Processor(DEAL_REMINDER_QUEUE, { concurrency: 4, maxStalledCount: MAX_STALLED_COUNT })
export class DealRemindersProcessor extends WorkerHost {
  constructor(private readonly reminders: DealRemindersService) {
    super();
  }

  async process(job: Job<DealReminderJob>): Promise<string> {
    return inJobSpan(DEAL_REMINDER_QUEUE, job, () => this.reminders.due(job.data));
  }
}
