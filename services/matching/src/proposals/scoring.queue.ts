import type { JobsOptions } from 'bullmq';

/**
 * The BullMQ queue that scores a need against the catalogue.
 * Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const SCORING_QUEUE = 'matching-score-need';

export interface ScoringJob {
  needId: string;
}

export const SCORING_JOB_DEFAULTS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};
