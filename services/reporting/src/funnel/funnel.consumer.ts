import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { MatchAcceptedV1, MatchProposedV1, MatchRejectedV1, NeedCapturedV1, type PayloadOf } from '@tt/contracts';
import { FunnelService } from './funnel.service';

/**
 * The funnel's first stages: needs captured → matched (≥ 1 proposal) → accepted. Contracted and
 * registered are reached through the deal ledger (DealEventsConsumer), which checks them first.
 */
@EventConsumer()
export class FunnelConsumer {
  constructor(private readonly funnel: FunnelService) {}

  @EventPattern(NeedCapturedV1.type)
  async captured(@Payload() e: PayloadOf<typeof NeedCapturedV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'captured', e.capturedAt);
  }

  @EventPattern(MatchProposedV1.type)
  async matched(@Payload() e: PayloadOf<typeof MatchProposedV1.type>) {
    if (e.proposals.length > 0) await this.funnel.reach(e.needId, e.parkId, 'matched', e.proposedAt);
  }

  @EventPattern(MatchAcceptedV1.type)
  async accepted(@Payload() e: PayloadOf<typeof MatchAcceptedV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'accepted', e.acceptedAt);
  }

  @EventPattern(MatchRejectedV1.type)
  async rejected(@Payload() e: PayloadOf<typeof MatchRejectedV1.type>) {
    await this.funnel.proposalRejected(e.needId, e.parkId, e.proposalId, e.rejectedAt);
  }
}
