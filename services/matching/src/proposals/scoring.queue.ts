import type { JobsOptions } from 'bullmq';

/**
 * The BullMQ queue that scores a need against the catalogue.
 * Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const SCORING_QUEUE = 'matching-score-need';

/**
 * Catalogue changes that ask for a need to be scored again, batched by time window: every change made
 * within one window (by its event's `at`, so every instance and every redelivery agrees) is scored in
 * one job per open need, which runs once the window has closed. An import of thousands of items thus
 * queues one job per open need, not one per item and need.
 */
export interface CatalogueTrigger {
  /** the window's start, ms since the epoch */
  window: number;
}

/** The window a catalogue change at `at` falls in. */
export function catalogueWindowOf(at: string | Date, windowMs: number): number {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return Math.floor(t / windowMs) * windowMs;
}

/**
 * One job (and one run) per need and revision, and per catalogue window: a redelivered event does
 * not queue a second scoring. `need`, `need@2`, `need@2~catalogue@1765050000000`.
 */
export function scoringJobId(needId: string, revision: number, trigger?: CatalogueTrigger): string {
  const base = revision === 0 ? needId : `${needId}@${revision}`;
  return trigger ? `${base}~catalogue@${trigger.window}` : base;
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

/** After a window closes, how long its jobs wait for writes stamped just before the close to land. */
export const CATALOGUE_GRACE_MS = 1_000;

/** The job that rescores one need (at one revision) for the catalogue changes of one window, due once it has closed. */
export function catalogueRescoreJob(needId: string, revision: number, window: number, windowMs: number) {
  const trigger = { window };
  return {
    name: 'score-need' as const,
    data: { needId, revision, trigger },
    opts: { ...SCORING_JOB_DEFAULTS, jobId: scoringJobId(needId, revision, trigger), delay: Math.max(0, window + windowMs + CATALOGUE_GRACE_MS - Date.now()) },
  };
}

/** The job that scores one revision of a need: queued by the need's event, and again by the sweep if it was lost. */
export function scoreNeedJob(needId: string, revision: number, traceparent?: { traceparent?: string }) {
  return {
    name: 'score-need' as const,
    data: { needId, revision, ...traceparent },
    opts: { ...SCORING_JOB_DEFAULTS, jobId: scoringJobId(needId, revision) },
  };
}

/**
 * How often one instance (a BullMQ job scheduler: one run per tick across all instances) looks for
 * needs whose revision is still unscored a while after its event arrived, and queues their scoring
 * again. It is what makes "every need gets its proposals" independent of any one job's fate: a job
 * BullMQ gave up on (stalled by a worker killed twice, or out of attempts after a long outage) is retried.
 */
export const UNSCORED_SWEEP_EVERY_MS = 30_000;
/** A revision unscored for this long is looked at by the sweep (its own job normally ends in seconds). */
export const UNSCORED_AFTER_MS = 60_000;
export const UNSCORED_SWEEP_JOB = 'sweep-unscored';

export interface ScoringJob {
  needId: string;
  /** The need's revision to score (0: as captured); absent on jobs queued by earlier versions. */
  revision?: number;
  /** Set when catalogue changes ask for the need to be scored again. */
  trigger?: CatalogueTrigger;
}
