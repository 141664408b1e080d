import type { JobsOptions } from 'bullmq';

/**
 * The BullMQ queue that imports an uploaded 需求征集表. One job per upload (`jobId` = import id).
 * Warning: renaming the queue strands the jobs waiting under the old name.
 */
export const NEED_IMPORT_QUEUE = 'intake-import-needs';

export interface NeedImportJob {
  importId: string;
  /** The upload request's trace (the job's span is its child). */
  traceparent?: string;
}

export const NEED_IMPORT_JOB_DEFAULTS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};
