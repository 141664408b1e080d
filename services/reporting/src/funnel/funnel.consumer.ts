import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import { ContractRegisteredV1, ContractSignedV1, MatchAcceptedV1, MatchProposedV1, NeedCapturedV1, type PayloadOf } from '@tt/contracts';
import { FunnelService } from './funnel.service';

/** The funnel: needs captured → matched (≥ 1 proposal) → accepted → contracted → registered. */
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

  @EventPattern(ContractSignedV1.type)
  async contracted(@Payload() e: PayloadOf<typeof ContractSignedV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'contracted', e.signedAt);
  }

  @EventPattern(ContractRegisteredV1.type)
  async registered(@Payload() e: PayloadOf<typeof ContractRegisteredV1.type>) {
    await this.funnel.reach(e.needId, e.parkId, 'registered', e.registeredAt);
  }
}
