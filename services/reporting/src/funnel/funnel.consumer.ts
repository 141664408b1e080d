import { EventPattern, Payload } from '@nestjs/microservices';
import { DEDUPED_BY_EFFECT, EventConsumer } from '@tt/messaging';
import { MatchAcceptedV1, MatchProposedV1, MatchRejectedV1, NeedCapturedV1, type PayloadOf } from '@tt/contracts';
import { FunnelService } from './funnel.service';

/**
 * The funnel's first stages: needs captured → matched (≥ 1 proposal) → accepted. Contracted and
 * registered are reached through the deal ledger (DealEventsConsumer), which checks them first.
 * Each stage is an insert-if-absent on its natural id (FunnelService): the handlers are deduped by that
 * write, not by the processed-events store.
 */
@EventConsumer()
export class FunnelConsumer {
  constructor(private readonly funnel: FunnelService) {}

  @EventPattern(NeedCapturedV1.type, DEDUPED_BY_EFFECT)
  async captured(@Payload() e: PayloadOf<typeof NeedCapturedV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'captured', e.capturedAt);
  }

  @EventPattern(MatchProposedV1.type, DEDUPED_BY_EFFECT)
  async matched(@Payload() e: PayloadOf<typeof MatchProposedV1.type>) {
    if (e.proposals.length > 0) await this.funnel.reach(e.needId, e.parkId, 'matched', e.proposedAt);
  }

  @EventPattern(MatchAcceptedV1.type, DEDUPED_BY_EFFECT)
  async accepted(@Payload() e: PayloadOf<typeof MatchAcceptedV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'accepted', e.acceptedAt);
  }

  @EventPattern(MatchRejectedV1.type, DEDUPED_BY_EFFECT)
  async rejected(@Payload() e: PayloadOf<typeof MatchRejectedV1.type>) {
    await this.funnel.proposalRejected(e.needId, e.parkId, e.proposalId, e.rejectedAt);
  }
}
