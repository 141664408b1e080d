import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { inJobSpan } from '@tt/observability';
import { SCORING_QUEUE, scoringBackoff, UNSCORED_SWEEP_JOB, type ScoringJob } from './scoring.queue';
import { NeedScoringService } from './need-scoring.service';
import { UnscoredSweep } from './unscored-sweep';
import { MAX_STALLED_COUNT } from '@tt/platform';
import { config } from '../config';

/**
 * Scores one need per job; BullMQ retries with backoff, and re-runs jobs of a worker that died. A job
 * survives MAX_STALLED_COUNT worker deaths (BullMQ's default fails it at the second); beyond that, or
 * after its last attempt, the unscored sweep (`sweep-unscored`, on the same queue) queues it again.
 */
@Processor(SCORING_QUEUE, { concurrency: config.scoringConcurrency, lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: MAX_STALLED_COUNT, settings: { backoffStrategy: scoringBackoff } })
export class ScoringProcessor extends WorkerHost {
  private readonly logger = new Logger(ScoringProcessor.name);

  constructor(
    private readonly scoringService: NeedScoringService,
    private readonly sweep: UnscoredSweep,
  ) {
    super();
  }

  async process(job: Job<ScoringJob>): Promise<void> {
    if (job.name === UNSCORED_SWEEP_JOB) {
      const requeued = await this.sweep.requeueUnscored();
      if (requeued.length) this.logger.warn({ needIds: requeued.slice(0, 20), count: requeued.length }, 'needs left unscored by a lost job were queued again');
      return;
    }
    const { needId, revision, trigger } = job.data;
    await inJobSpan(SCORING_QUEUE, job, () => this.scoringService.scoreNeed(needId, revision ?? 0, trigger));
  }
}
