import type { JobsOptions } from 'bullmq';

/**
 * The BullMQ queue that scores a need against the catalogue.
 * Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const SCORING_QUEUE = 'matching-score-need';

export interface ScoringJob {
  needId: string;
  /** The need's revision to score (0: as captured); absent on jobs queued by earlier versions. */
  revision?: number;
}

/** One job per need and revision: a redelivered event does not queue a second scoring. */
export function scoringJobId(needId: string, revision: number): string {
  return revision === 0 ? needId : `${needId}@${revision}`;
}

/**
 * Exponential from 0.5 s, at most 30 s apart: a job keeps retrying through a store or Redis outage
 * of about 20 minutes (40 attempts) before BullMQ gives up on it.
 */
export function scoringBackoff(attemptsMade: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attemptsMade - 1));
}

export const SCORING_JOB_DEFAULTS: JobsOptions = {
  attempts: 40,
  backoff: { type: 'capped-exponential' },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};
