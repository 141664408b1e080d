import { InjectQueue } from '@nestjs/bullmq';
import { InjectModel } from '@nestjs/mongoose';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { upsertOnce } from '@tt/store';
import type { Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { SupplyListedV1, SupplyRetiredV1, SupplyRevisedV1, type PayloadOf } from '@tt/contracts';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import { config } from '../config';
import { CATALOGUE_FANOUT_MODEL, type CatalogueFanout } from './catalogue-fanout.schema';
import { catalogueRescoreJob, catalogueWindowOf, SCORING_QUEUE, type ScoringJob } from './scoring.queue';

const BATCH = 500;

/**
 * Catalogue items listed or revised reach the needs already scored, batched per time window: the
 * first change of a window queues, for every open need (not withdrawn or closed), one delayed scoring
 * job for the window, which runs once the window has closed against the catalogue as it then stands;
 * the need hears of it if its proposals changed. Later changes of the same window find the window fanned
 * out and queue nothing. Matching reads its own supply topic for this, so a change whose write landed
 * is never lost between the write and the fan-out (the outbox publishes it at least once): a change
 * consumed late, after its window's jobs ran, was in the store when they scored. A need scored while a
 * window whose fan-out has started queues its own job for that window (see scoreNeed).
 * Job ids per need and window make a redelivery, or a second instance, queue nothing twice.
 */
@EventConsumer()
export class CatalogueChangesConsumer {
  constructor(
    private readonly needs: NeedSnapshotsRepository,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
    @InjectModel(CATALOGUE_FANOUT_MODEL) private readonly fanouts: Model<CatalogueFanout>,
  ) {}

  @EventPattern(SupplyListedV1.type)
  async listed(@Payload() e: PayloadOf<typeof SupplyListedV1.type>) {
    await this.rescoreOpenNeeds(e.at);
  }

  @EventPattern(SupplyRevisedV1.type)
  async revised(@Payload() e: PayloadOf<typeof SupplyRevisedV1.type>) {
    await this.rescoreOpenNeeds(e.at);
  }

  /** Nothing to queue: a retired item leaves every model at its next rebuild, and accepting its proposals answers 409. */
  @EventPattern(SupplyRetiredV1.type)
  async retired(@Payload() _e: PayloadOf<typeof SupplyRetiredV1.type>) {}

  private async rescoreOpenNeeds(at: string): Promise<void> {
    const windowMs = config.catalogueRescoreWindowMs;
    const window = catalogueWindowOf(at, windowMs);
    if (await this.fanouts.exists({ _id: window, fannedOutAt: { $exists: true } })) return; // this window's jobs are queued already
    // Started before the open needs are read: a need scored from now on in this window follows it itself (see NeedScoringService).
    await upsertOnce(this.fanouts.updateOne({ _id: window }, { $setOnInsert: { startedAt: new Date() } }, { upsert: true }).exec());
    let batch: { needId: string; revision: number }[] = [];
    const flush = async () => {
      await this.scoring.addBulk(batch.map(({ needId, revision }) => catalogueRescoreJob(needId, revision, window, windowMs)));
      batch = [];
    };
    for await (const need of this.needs.open()) {
      batch.push({ needId: need._id, revision: need.revision ?? 0 });
      if (batch.length === BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    // Marked only once every job is queued: a crash before this leaves the window to the next change or redelivery.
    await this.fanouts.updateOne({ _id: window, fannedOutAt: { $exists: false } }, { $set: { fannedOutAt: new Date() } }).exec();
  }
}
