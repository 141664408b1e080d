import { InjectQueue } from '@nestjs/bullmq';
import { InjectModel } from '@nestjs/mongoose';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import type { Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { NeedCapturedV1, type PayloadOf } from '@tt/contracts';
import { SCORING_JOB_DEFAULTS, SCORING_QUEUE, type ScoringJob } from '../proposals/scoring.queue';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from './need-snapshot.schema';

/** Keeps a copy of the need and hands the scoring to a BullMQ job, so the Kafka partition moves on at once. */
@EventConsumer()
export class NeedCapturedConsumer {
  constructor(
    @InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
  ) {}

  @EventPattern(NeedCapturedV1.type)
  async onNeedCaptured(@Payload() need: PayloadOf<typeof NeedCapturedV1.type>): Promise<void> {
    const { needId, ...rest } = need;
    await this.needs.replaceOne({ _id: needId }, { _id: needId, ...rest }, { upsert: true }).exec();
    // jobId = needId: a redelivered event does not queue a second scoring.
    await this.scoring.add('score-need', { needId }, { ...SCORING_JOB_DEFAULTS, jobId: needId });
  }
}
