import type { JobsOptions } from 'bullmq';

/**
 * The BullMQ queue that scores a need against the catalogue.
 * Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const SCORING_QUEUE = 'matching-score-need';

/** The catalogue change that asks for a need to be scored again. */
export interface CatalogueTrigger {
  supplyId: string;
  supplyRevision: number;
}

export interface ScoringJob {
  needId: string;
  /** The need's revision to score (0: as captured); absent on jobs queued by earlier versions. */
  revision?: number;
  /** Set when a catalogue item listed or revised asks for the need to be scored again. */
  trigger?: CatalogueTrigger;
}

/**
 * One job (and one run) per need and revision, and per catalogue change: a redelivered event does
 * not queue a second scoring. `need`, `need@2`, `need@2~fin-3f9a1c0e@1`.
 */
export function scoringJobId(needId: string, revision: number, trigger?: CatalogueTrigger): string {
  const base = revision === 0 ? needId : `${needId}@${revision}`;
  return trigger ? `${base}~${trigger.supplyId}@${trigger.supplyRevision}` : base;
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
