import { EventPattern, Payload } from '@nestjs/microservices';
import { DEDUPED_BY_EFFECT, EventConsumer } from '@tt/messaging';
import {
  ContractRegisteredV1,
  ContractSignedV1,
  DealCancelledV1,
  DealOpenedV1,
  DealReminderV1,
  MatchAcceptedV1,
  MatchProposedV1,
  MatchRejectedV1,
  ProposalReminderV1,
  type PayloadOf,
} from '@tt/contracts';
import { dealReminderIds, proposalReminderId, RemindersService } from '../reminders/reminders.service';
import { NeedLifecycleService } from './need-lifecycle.service';

/**
 * What happens to a need downstream, as matching and contract-tracking publish it: the need's status
 * follows (proposed → negotiating → contracted → registered, and back when its deal is cancelled), and
 * the broker's reminders come and go (raised by their owners; cleared when what they wait for happens).
 */
@EventConsumer()
export class DownstreamEventsConsumer {
  constructor(
    private readonly lifecycle: NeedLifecycleService,
    private readonly reminders: RemindersService,
  ) {}

  @EventPattern(MatchProposedV1.type, DEDUPED_BY_EFFECT) // "proposed" is a fact that only turns true (need-status.ts)
  async proposed(@Payload() e: PayloadOf<typeof MatchProposedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'proposed', proposals: e.proposals.length }, MatchProposedV1.type);
  }

  @EventPattern(MatchAcceptedV1.type)
  async accepted(@Payload() e: PayloadOf<typeof MatchAcceptedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'accepted', proposalId: e.proposalId }, MatchAcceptedV1.type);
    await this.reminders.clear([proposalReminderId(e.proposalId)], MatchAcceptedV1.type, e.acceptedAt);
  }

  @EventPattern(MatchRejectedV1.type)
  async rejected(@Payload() e: PayloadOf<typeof MatchRejectedV1.type>) {
    await this.reminders.clear([proposalReminderId(e.proposalId)], MatchRejectedV1.type, e.rejectedAt);
  }

  @EventPattern(ProposalReminderV1.type)
  async proposalReminder(@Payload() e: PayloadOf<typeof ProposalReminderV1.type>) {
    await this.reminders.raised(e);
  }

  @EventPattern(DealReminderV1.type)
  async dealReminder(@Payload() e: PayloadOf<typeof DealReminderV1.type>) {
    await this.reminders.raised(e);
  }

  @EventPattern(DealOpenedV1.type)
  async opened(@Payload() e: PayloadOf<typeof DealOpenedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-opened', dealId: e.dealId, proposalId: e.proposalId }, DealOpenedV1.type);
  }

  @EventPattern(ContractSignedV1.type)
  async signed(@Payload() e: PayloadOf<typeof ContractSignedV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'signed' }, ContractSignedV1.type);
    await this.reminders.clear(dealReminderIds(e.dealId, ['intent']), ContractSignedV1.type, e.signedAt);
  }

  @EventPattern(ContractRegisteredV1.type)
  async registered(@Payload() e: PayloadOf<typeof ContractRegisteredV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'registered' }, ContractRegisteredV1.type);
    await this.reminders.clear(dealReminderIds(e.dealId, ['intent', 'signed']), ContractRegisteredV1.type, e.registeredAt);
  }

  @EventPattern(DealCancelledV1.type)
  async cancelled(@Payload() e: PayloadOf<typeof DealCancelledV1.type>) {
    await this.lifecycle.applyDownstream(e.needId, { kind: 'deal-stage', dealId: e.dealId, stage: 'cancelled' }, DealCancelledV1.type);
    await this.reminders.clear(dealReminderIds(e.dealId, ['intent', 'signed']), DealCancelledV1.type, e.cancelledAt);
  }
}
