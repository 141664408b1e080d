import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { inJobSpan } from '@tt/messaging';
import { SCORING_QUEUE, scoringBackoff, type ScoringJob } from './scoring.queue';
import { ProposalsService } from './proposals.service';

/** Scores one need per job; BullMQ retries with backoff, and re-runs jobs of a worker that died. */
@Processor(SCORING_QUEUE, { concurrency: 4, lockDuration: 15_000, stalledInterval: 5_000, settings: { backoffStrategy: scoringBackoff } })
export class ScoringProcessor extends WorkerHost {
  constructor(private readonly proposals: ProposalsService) {
    super();
  }

  async process(job: Job<ScoringJob>): Promise<void> {
    await inJobSpan(SCORING_QUEUE, job, () => this.proposals.scoreNeed(job.data.needId, job.data.revision ?? 0, job.data.trigger));
  }
}
