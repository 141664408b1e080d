import { InjectQueue } from '@nestjs/bullmq';
import { InjectModel } from '@nestjs/mongoose';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { traceparentForJob } from '@tt/observability';
import type { Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { NeedCapturedV1, NeedClosedV1, NeedRevisedV1, NeedWithdrawnV1, needState, type PayloadOf } from '@tt/contracts';
import { SCORING_QUEUE, scoreNeedJob, type ScoringJob } from '../proposals/scoring.queue';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from './need-snapshot.schema';

/**
 * Keeps matching's copy of each need as intake states it, and hands the scoring to a BullMQ job so the
 * Kafka partition moves on at once. A revision replaces the copy (only when newer than the one held)
 * and is scored again; a withdrawn or closed need is marked ended and gets no more proposals.
 */
@EventConsumer()
export class NeedEventsConsumer {
  constructor(
    @InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
  ) {}

  @EventPattern(NeedCapturedV1.type)
  async onNeedCaptured(@Payload() need: PayloadOf<typeof NeedCapturedV1.type>): Promise<void> {
    const { needId, ...rest } = need;
    // Insert-if-absent: a redelivered capture never overwrites a later revision.
    await this.needs
      .updateOne({ _id: needId }, { $setOnInsert: { ...rest, revision: 0, awaitingScore: { revision: 0, since: new Date() } } }, { upsert: true })
      .exec();
    const job = scoreNeedJob(needId, 0, traceparentForJob());
    await this.scoring.add(job.name, job.data, job.opts);
  }

  @EventPattern(NeedRevisedV1.type)
  async onNeedRevised(@Payload() revised: PayloadOf<typeof NeedRevisedV1.type>): Promise<void> {
    const { needId, revision, revisedAt: _at, ...state } = revised;
    // One guarded update: only a newer revision of a need still open replaces the copy.
    await this.needs
      .updateOne(
        { _id: needId, ended: { $exists: false }, $or: [{ revision: { $lt: revision } }, { revision: { $exists: false } }] },
        // The revision restates the whole need: optional fields it no longer has are removed.
        { $set: { ...state, revision, awaitingScore: { revision, since: new Date() } }, ...unsetAbsent(state) },
      )
      .exec();
    const job = scoreNeedJob(needId, revision, traceparentForJob());
    await this.scoring.add(job.name, job.data, job.opts);
  }

  @EventPattern(NeedWithdrawnV1.type)
  async onNeedWithdrawn(@Payload() e: PayloadOf<typeof NeedWithdrawnV1.type>): Promise<void> {
    await this.needs.updateOne({ _id: e.needId, ended: { $exists: false } }, { $set: { ended: { reason: 'withdrawn', at: new Date(e.withdrawnAt) } } }).exec();
  }

  @EventPattern(NeedClosedV1.type)
  async onNeedClosed(@Payload() e: PayloadOf<typeof NeedClosedV1.type>): Promise<void> {
    await this.needs.updateOne({ _id: e.needId, ended: { $exists: false } }, { $set: { ended: { reason: 'closed', at: new Date(e.closedAt) } } }).exec();
  }
}

/** The optional need fields a revision leaves out, as an $unset (empty when it has them all). */
function unsetAbsent(state: Record<string, unknown>): { $unset?: Record<string, 1> } {
  const absent = Object.keys(needState).filter((key) => needState[key as keyof typeof needState].isOptional() && state[key] === undefined);
  return absent.length ? { $unset: Object.fromEntries(absent.map((k) => [k, 1 as const])) } : {};
}
