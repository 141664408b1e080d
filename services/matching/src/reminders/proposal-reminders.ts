import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Job, Queue } from 'bullmq';
import { MatchProposedV1, type PayloadOf } from '@tt/contracts';
import { DEDUPED_BY_EFFECT, EventConsumer, EventContext, EventOutbox } from '@tt/messaging';
import { inJobSpan } from '@tt/observability';
import { config } from '../config';
import { JobsAtBatchEnd } from '../jobs-at-batch-end';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import { ProposalsRepository } from '../proposals/proposals.repository';
import { REMINDER_JOB_DEFAULTS, REMINDER_QUEUE, reminderIdOf, type ProposalReminderJob } from './reminders.queue';
import { MAX_STALLED_COUNT } from '@tt/platform';

/** The reminder jobs a batch of match proposed events asks for, queued at the batch's end (job id: the reminder id). */
@Injectable()
export class ReminderRequests extends JobsAtBatchEnd<ProposalReminderJob> {
  readonly name = 'reminder jobs';

  constructor(@InjectQueue(REMINDER_QUEUE) queue: Queue<ProposalReminderJob>) {
    super(queue);
  }
}

/**
 * Schedules the reminder of each proposal from matching's own match proposed events: whichever
 * instance made the proposals, once their write landed the event is published at least once, so no
 * proposal goes without its reminder job. The job id is the reminder id: a redelivery schedules nothing twice.
 */
@EventConsumer()
export class ProposalRemindersScheduler {
  constructor(private readonly requests: ReminderRequests) {}

  @EventPattern(MatchProposedV1.type, DEDUPED_BY_EFFECT) // each job's id is its reminder's
  async proposed(@Payload() e: PayloadOf<typeof MatchProposedV1.type>, @Ctx() ctx: EventContext) {
    const dueAt = Date.parse(e.proposedAt) + config.proposalIdleAfterSeconds * 1000;
    for (const p of e.proposals) {
      await ctx.atBatchEnd(this.requests, {
        name: 'proposal-undecided',
        data: { proposalId: p.proposalId, since: e.proposedAt },
        opts: { ...REMINDER_JOB_DEFAULTS, jobId: reminderIdOf(p.proposalId), delay: Math.max(0, dueAt - Date.now()) },
      });
    }
  }
}

/**
 * When a reminder falls due it is raised on the proposal itself: one conditional update that needs
 * the proposal still undecided and not yet reminded, and stages the event in the proposal's outbox.
 * So a decision that won the race leaves nothing to raise, a job run twice raises once, and the
 * reminder is published before any later decision on the same proposal (one outbox, in order).
 */
@Injectable()
export class ProposalRemindersService {
  constructor(
    private readonly proposals: ProposalsRepository,
    private readonly needs: NeedSnapshotsRepository,
    private readonly outbox: EventOutbox,
  ) {}

  async due({ proposalId, since }: ProposalReminderJob): Promise<'raised' | 'not-needed'> {
    const proposal = await this.proposals.find(proposalId);
    if (!proposal || proposal.status !== 'proposed' || proposal.reminderRaisedAt) return 'not-needed';
    if (!(await this.proposals.isCurrent(proposal))) return 'not-needed'; // re-scored away: off the broker's list
    const need = await this.needs.brokerAndEnd(proposal.needId);
    if (!need || need.ended) return 'not-needed';
    const raisedAt = new Date();
    const event = this.outbox.stage('cn.techtransfer.match.reminder.v1', {
      reminderId: reminderIdOf(proposalId),
      kind: 'proposal-undecided',
      needId: proposal.needId,
      parkId: proposal.parkId,
      brokerId: need.brokerId,
      proposalId,
      supplyId: proposal.supplyId,
      supplyKind: proposal.supplyKind,
      supplyName: proposal.supplyName,
      since,
      waitedSeconds: config.proposalIdleAfterSeconds,
      raisedAt: raisedAt.toISOString(),
    });
    if (!(await this.proposals.raiseReminder(proposalId, raisedAt, event))) return 'not-needed'; // decided or reminded meanwhile
    return 'raised';
  }
}

@Processor(REMINDER_QUEUE, { concurrency: 4, maxStalledCount: MAX_STALLED_COUNT })
export class ProposalRemindersProcessor extends WorkerHost {
  constructor(private readonly reminders: ProposalRemindersService) {
    super();
  }

  async process(job: Job<ProposalReminderJob>): Promise<string> {
    return inJobSpan(REMINDER_QUEUE, job, () => this.reminders.due(job.data));
  }
}
