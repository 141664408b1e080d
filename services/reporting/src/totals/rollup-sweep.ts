import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { MAX_STALLED_COUNT } from '@tt/platform';
import { config } from '../config';
import { RollupApplier } from './rollup-applier';

export const ROLLUP_QUEUE = 'totals-rollups';
type RollupJob = { task: 'sweep' | 'reconcile' };

/**
 * The roll-ups' sweeps, as BullMQ job schedulers on one queue (every instance upserts the same
 * schedulers, Redis keeps each once, and each tick runs on one instance; a tick run twice is harmless,
 * the applier being safe to run anywhere at once):
 * - `sweep`, every ROLLUP_SWEEP_EVERY: rows left pending (a crash between a row's write and its
 *   roll-up that no redelivery finished, a failed apply), and ids left in the roll-ups' `applied`;
 * - `reconcile`, at each start and every ROLLUP_RECONCILE_EVERY: every row, so rows written before the
 *   roll-ups existed, or during a rolling upgrade by a reporting that does not keep them, are taken in.
 */
@Injectable()
export class RollupSweeps implements OnApplicationBootstrap {
  constructor(@InjectQueue(ROLLUP_QUEUE) private readonly queue: Queue<RollupJob>) {}

  async onApplicationBootstrap(): Promise<void> {
    const opts = { removeOnComplete: true, removeOnFail: 100 };
    await this.queue.upsertJobScheduler('rollup-sweep', { every: config.rollups.sweepEverySeconds * 1000 }, { name: 'sweep', data: { task: 'sweep' }, opts });
    await this.queue.upsertJobScheduler('rollup-reconcile', { every: config.rollups.reconcileEverySeconds * 1000 }, { name: 'reconcile', data: { task: 'reconcile' }, opts });
    // Once now (an instance starting may be the first of a new version); one id, so starts at once queue it once.
    await this.queue.add('reconcile', { task: 'reconcile' }, { jobId: 'rollup-reconcile-at-start', removeOnComplete: true, removeOnFail: true });
  }
}

@Processor(ROLLUP_QUEUE, { concurrency: 1, maxStalledCount: MAX_STALLED_COUNT })
export class RollupSweepProcessor extends WorkerHost {
  private readonly logger = new Logger(RollupSweepProcessor.name);

  constructor(private readonly applier: RollupApplier) {
    super();
  }

  async process(job: Job<RollupJob>): Promise<{ applied: number; pulled?: number }> {
    if (job.data.task === 'reconcile') {
      const applied = await this.applier.reconcile();
      if (applied > 0) this.logger.log({ applied }, 'roll-ups reconciled with the transaction rows');
      return { applied };
    }
    const applied = await this.applier.applyPending();
    const pulled = await this.applier.cleanApplied();
    if (applied > 0) this.logger.log({ applied }, 'pending transaction rows rolled up by the sweep');
    return { applied, pulled };
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<RollupJob> | undefined, error: Error) {
    this.logger.warn({ task: job?.data.task }, `roll-up ${job?.data.task ?? 'job'} failed: ${error.message}`);
  }
}
