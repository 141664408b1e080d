import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { BatchWork } from '@tt/messaging';
import { SCORING_QUEUE, type scoreNeedJob, type ScoringJob } from '../proposals/scoring.queue';

type ScoringRequest = ReturnType<typeof scoreNeedJob>;

/**
 * The scoring jobs a batch of need events asks for, queued together at the batch's end (one Redis
 * round trip, `addBulk`, instead of one per event), before the batch is committed: a crash before
 * then redelivers the events, and each job's id (need and revision) keeps it queued once.
 */
@Injectable()
export class ScoringRequests implements BatchWork<ScoringRequest> {
  readonly name = 'scoring jobs';

  constructor(@InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>) {}

  async settle(jobs: readonly ScoringRequest[]): Promise<void> {
    await this.scoring.addBulk(jobs.map(({ name, data, opts }) => ({ name, data, opts })));
  }
}
