import { InjectQueue } from '@nestjs/bullmq';
import { InjectModel } from '@nestjs/mongoose';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import type { Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { SupplyListedV1, SupplyRetiredV1, SupplyRevisedV1, type PayloadOf } from '@tt/contracts';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from '../needs/need-snapshot.schema';
import { SCORING_JOB_DEFAULTS, SCORING_QUEUE, scoringJobId, type ScoringJob } from './scoring.queue';

const BATCH = 500;

/**
 * A catalogue item listed or revised reaches the needs already scored: every open need (not withdrawn
 * or closed) gets a scoring job for that change, and hears of the item if it now ranks among its
 * proposals. Matching reads its own supply topic for this, so a change whose write landed is never
 * lost between the write and the fan-out (the outbox publishes it at least once), and job ids per need
 * and change make a redelivery queue nothing twice.
 */
@EventConsumer()
export class CatalogueChangesConsumer {
  constructor(
    @InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
  ) {}

  @EventPattern(SupplyListedV1.type)
  async listed(@Payload() e: PayloadOf<typeof SupplyListedV1.type>) {
    await this.rescoreOpenNeeds(e.item.supplyId, e.revision);
  }

  @EventPattern(SupplyRevisedV1.type)
  async revised(@Payload() e: PayloadOf<typeof SupplyRevisedV1.type>) {
    await this.rescoreOpenNeeds(e.item.supplyId, e.revision);
  }

  /** Nothing to queue: a retired item leaves every model at its next rebuild, and accepting its proposals answers 409. */
  @EventPattern(SupplyRetiredV1.type)
  async retired(@Payload() _e: PayloadOf<typeof SupplyRetiredV1.type>) {}

  private async rescoreOpenNeeds(supplyId: string, supplyRevision: number): Promise<void> {
    const trigger = { supplyId, supplyRevision };
    let batch: { needId: string; revision: number }[] = [];
    const flush = async () => {
      await this.scoring.addBulk(
        batch.map(({ needId, revision }) => ({
          name: 'score-need',
          data: { needId, revision, trigger },
          opts: { ...SCORING_JOB_DEFAULTS, jobId: scoringJobId(needId, revision, trigger) },
        })),
      );
      batch = [];
    };
    for await (const need of this.needs.find({ ended: { $exists: false } }, { _id: 1, revision: 1 }).lean().cursor()) {
      batch.push({ needId: need._id, revision: need.revision ?? 0 });
      if (batch.length === BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  }
}
