import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import { SCORING_QUEUE, scoreNeedJob, UNSCORED_AFTER_MS, UNSCORED_SWEEP_EVERY_MS, UNSCORED_SWEEP_JOB, type ScoringJob } from './scoring.queue';

/**
 * Every need gets its proposals, whatever became of its scoring job. A need's snapshot carries
 * `awaitingScore` from its event's arrival until its run is recorded; a need still waiting
 * `UNSCORED_AFTER_MS` later lost its job to BullMQ (failed for good: caught by too many worker deaths,
 * or out of attempts after a long outage; or removed by hand). The sweep retries that job, or queues it
 * again under the same id, which `NeedScoringService.scoreNeed` makes safe to run twice.
 *
 * It runs as a BullMQ job scheduler on the scoring queue: every instance upserts the same scheduler,
 * Redis keeps it once, and each tick runs on one instance.
 */
@Injectable()
export class UnscoredSweep implements OnApplicationBootstrap {
  constructor(
    private readonly needs: NeedSnapshotsRepository,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.scoring.upsertJobScheduler(
      UNSCORED_SWEEP_JOB,
      { every: UNSCORED_SWEEP_EVERY_MS },
      { name: UNSCORED_SWEEP_JOB, data: {} as ScoringJob, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  /** Requeues the scoring of open needs unscored since before `now − UNSCORED_AFTER_MS`; returns their ids. */
  async requeueUnscored(now = new Date(), limit = 500): Promise<string[]> {
    const waiting = await this.needs.awaitingScoreSince(new Date(now.getTime() - UNSCORED_AFTER_MS), limit);
    const requeued: string[] = [];
    for (const need of waiting) {
      const revision = need.awaitingScore?.revision ?? 0;
      if ((need.revision ?? 0) !== revision) continue; // a newer revision's event is on its way, with its own job
      if (await this.requeue(need._id, revision)) requeued.push(need._id);
    }
    return requeued;
  }

  private async requeue(needId: string, revision: number): Promise<boolean> {
    const job = scoreNeedJob(needId, revision);
    const existing = await this.scoring.getJob(job.opts.jobId);
    const state = existing ? await existing.getState() : 'unknown';
    if (state === 'failed') {
      await existing!.retry('failed');
      return true;
    }
    if (state === 'completed') {
      // It completed after the read above (run recorded, mark removed): running it again only removes the mark.
      await existing!.remove();
    } else if (state !== 'unknown') return false; // waiting, delayed or running: it will record the run
    await this.scoring.add(job.name, job.data, job.opts);
    return true;
  }
}
