import { EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer } from '@tt/messaging';
import {
  ContractRegisteredV1,
  ContractSignedV1,
  DealCancelledV1,
  DealOpenedV1,
  MatchAcceptedV1,
  MatchProposedV1,
  type PayloadOf,
} from '@tt/contracts';
import { NeedLifecycleService } from './need-lifecycle.service';

/**
 * What happens to a need downstream, as matching and contract-tracking publish it: the need's status
 * follows (proposed → negotiating → contracted → registered, and back when its deal is cancelled).
 */
@EventConsumer()
export class DownstreamEventsConsumer {
  constructor(private readonly lifecycle: NeedLifecycleService) {}

  @EventPattern(MatchProposedV1.type)
  async proposed(@Payload() e: PayloadOf<typeof MatchProposedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'proposed', proposals: e.proposals.length }, MatchProposedV1.type);
  }

  @EventPattern(MatchAcceptedV1.type)
  async accepted(@Payload() e: PayloadOf<typeof MatchAcceptedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'accepted', proposalId: e.proposalId }, MatchAcceptedV1.type);
  }

  @EventPattern(DealOpenedV1.type)
  async opened(@Payload() e: PayloadOf<typeof DealOpenedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-opened', dealId: e.dealId, proposalId: e.proposalId }, DealOpenedV1.type);
  }

  @EventPattern(ContractSignedV1.type)
  async signed(@Payload() e: PayloadOf<typeof ContractSignedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'signed' }, ContractSignedV1.type);
  }

  @EventPattern(ContractRegisteredV1.type)
  async registered(@Payload() e: PayloadOf<typeof ContractRegisteredV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'registered' }, ContractRegisteredV1.type);
  }

  @EventPattern(DealCancelledV1.type)
  async cancelled(@Payload() e: PayloadOf<typeof DealCancelledV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'cancelled' }, DealCancelledV1.type);
  }
}
