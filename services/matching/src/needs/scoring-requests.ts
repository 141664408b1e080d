import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobsAtBatchEnd } from '../jobs-at-batch-end';
import { SCORING_QUEUE, type ScoringJob } from '../proposals/scoring.queue';

/** The scoring jobs a batch of need events asks for, queued at the batch's end (job id: need and revision). */
@Injectable()
export class ScoringRequests extends JobsAtBatchEnd<ScoringJob> {
  readonly name = 'scoring jobs';

  constructor(@InjectQueue(SCORING_QUEUE) scoring: Queue<ScoringJob>) {
    super(scoring);
  }
}
