import type { JobsOptions, Queue } from 'bullmq';
import type { BatchWork } from '@tt/messaging';

/** One BullMQ job an event asks for: its name, data and options (with its id). */
export interface JobRequest<Data> {
  name: string;
  data: Data;
  opts: JobsOptions;
}

/**
 * The jobs a batch of events asks for, queued together at the batch's end (one Redis round trip,
 * `addBulk`, instead of one per event), before the batch is committed: a crash before then redelivers
 * the events, and each job's id keeps it queued once.
 */
export abstract class JobsAtBatchEnd<Data> implements BatchWork<JobRequest<Data>> {
  abstract readonly name: string;

  // (The queue untyped here: its name and data types are the subclass's, which BullMQ's generics cannot resolve for an open Data.)
  protected constructor(private readonly queue: Queue) {}

  async settle(jobs: readonly JobRequest<Data>[]): Promise<void> {
    await this.queue.addBulk(jobs.map(({ name, data, opts }) => ({ name, data, opts })));
  }
}
