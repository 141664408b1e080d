import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { DEDUPED_BY_EFFECT, EventConsumer, EventContext } from '@tt/messaging';
import { traceparentForJob } from '@tt/observability';
import { NeedCapturedV1, NeedClosedV1, NeedRevisedV1, NeedWithdrawnV1, type PayloadOf } from '@tt/contracts';
import { scoreNeedJob } from '../proposals/scoring.queue';
import { NeedSnapshotsRepository } from './need-snapshots.repository';
import { ScoringRequests } from './scoring-requests';

/**
 * Keeps matching's copy of each need as intake states it, and hands the scoring to a BullMQ job so the
 * Kafka partition moves on at once (the batch's jobs queued together at its end, see ScoringRequests). A revision replaces the copy (only when newer than the one held)
 * and is scored again; a withdrawn or closed need is marked ended and gets no more proposals.
 */
@EventConsumer()
export class NeedEventsConsumer {
  constructor(
    private readonly needs: NeedSnapshotsRepository,
    private readonly scoring: ScoringRequests,
  ) {}

  @EventPattern(NeedCapturedV1.type, DEDUPED_BY_EFFECT) // insert-if-absent, and a job keyed by need and revision
  async onNeedCaptured(@Payload() need: PayloadOf<typeof NeedCapturedV1.type>, @Ctx() ctx: EventContext): Promise<void> {
    const { needId, ...rest } = need;
    await this.needs.insertCaptured(needId, rest); // a redelivered capture never overwrites a later revision
    await ctx.atBatchEnd(this.scoring, scoreNeedJob(needId, 0, traceparentForJob()));
  }

  @EventPattern(NeedRevisedV1.type, DEDUPED_BY_EFFECT) // only a newer revision applies, and a job keyed by need and revision
  async onNeedRevised(@Payload() revised: PayloadOf<typeof NeedRevisedV1.type>, @Ctx() ctx: EventContext): Promise<void> {
    const { needId, revision, revisedAt: _at, ...state } = revised;
    await this.needs.applyRevision(needId, revision, state); // only a newer revision of a need still open replaces the copy
    await ctx.atBatchEnd(this.scoring, scoreNeedJob(needId, revision, traceparentForJob()));
  }

  @EventPattern(NeedWithdrawnV1.type)
  async onNeedWithdrawn(@Payload() e: PayloadOf<typeof NeedWithdrawnV1.type>): Promise<void> {
    await this.needs.end(e.needId, 'withdrawn', new Date(e.withdrawnAt));
  }

  @EventPattern(NeedClosedV1.type)
  async onNeedClosed(@Payload() e: PayloadOf<typeof NeedClosedV1.type>): Promise<void> {
    await this.needs.end(e.needId, 'closed', new Date(e.closedAt));
  }
}
