import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventConsumer, EventContext } from '@tt/messaging';
import {
  ContractRegisteredV1,
  ContractRegisteredV2,
  ContractSignedV1,
  DealCancelledV1,
  DealOpenedV1,
  TransactionAmendedV1,
  TransactionCorrectedV1,
  TransactionLoggedV1,
  TransactionLoggedV2,
  TransactionRevokedV1,
  type PayloadOf,
} from '@tt/contracts';
import { FunnelService } from '../funnel/funnel.service';
import { TransactionsProjection } from '../totals/transactions.projection';
import { RollupApplier } from '../totals/rollup-applier';
import { AnalystEventsService } from '../analyst-events/analyst-events.service';
import { DealLedgerService } from './deal-ledger.service';

/**
 * The deal topic: each event is checked against the deal's ledger before it counts anywhere, and once
 * applied it goes to the analysts' event log (GET /events, the SSE stream, webhooks). Both the totals'
 * roll-up of a transaction event's row and the log entry are left to the end of the batch
 * (`atBatchEnd`), done there once for all its events, the roll-ups first: before the batch is
 * committed, so a crash only means the batch comes again.
 */
@EventConsumer()
export class DealEventsConsumer {
  constructor(
    private readonly ledger: DealLedgerService,
    private readonly funnel: FunnelService,
    private readonly transactions: TransactionsProjection,
    private readonly rollups: RollupApplier,
    private readonly feed: AnalystEventsService,
  ) {}

  @EventPattern(DealOpenedV1.type)
  async opened(@Payload() e: PayloadOf<typeof DealOpenedV1.type>, @Ctx() ctx: EventContext) {
    await this.ledger.opened(e);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(ContractSignedV1.type)
  async signed(@Payload() e: PayloadOf<typeof ContractSignedV1.type>, @Ctx() ctx: EventContext) {
    await this.ledger.signed(e);
    await this.funnel.contracted(e.needId, e.parkId, e.dealId, e.signedAt);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(ContractRegisteredV1.type)
  async registered(@Payload() e: PayloadOf<typeof ContractRegisteredV1.type>, @Ctx() ctx: EventContext) {
    await this.ledger.registered(e);
    await this.funnel.reach(e.needId, e.parkId, 'registered', e.registeredAt);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(TransactionLoggedV1.type)
  async logged(@Payload() t: PayloadOf<typeof TransactionLoggedV1.type>, @Ctx() ctx: EventContext) {
    await this.ledger.verifyTransaction(t);
    await this.transactions.log(t);
    await ctx.atBatchEnd(this.rollups, t.dealId);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  /** The registry's record (published after v1 for the same deal): kept to check the v2 transaction. */
  @EventPattern(ContractRegisteredV2.type)
  async registeredWithRecord(@Payload() e: PayloadOf<typeof ContractRegisteredV2.type>, @Ctx() ctx: EventContext) {
    await this.ledger.registeredWithRecord(e);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  /** The same transaction as v1 (same row, same figures), now with the registry's fields: counted once. */
  @EventPattern(TransactionLoggedV2.type)
  async loggedWithRecord(@Payload() t: PayloadOf<typeof TransactionLoggedV2.type>, @Ctx() ctx: EventContext) {
    await this.ledger.verifyLoggedRecord(t);
    await this.transactions.logWithRecord(t);
    await ctx.atBatchEnd(this.rollups, t.dealId);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(TransactionCorrectedV1.type)
  async corrected(@Payload() t: PayloadOf<typeof TransactionCorrectedV1.type>, @Ctx() ctx: EventContext) {
    await this.transactions.restate(t, 'correction', await this.ledger.find(t.dealId));
    await ctx.atBatchEnd(this.rollups, t.dealId);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(TransactionAmendedV1.type)
  async amended(@Payload() t: PayloadOf<typeof TransactionAmendedV1.type>, @Ctx() ctx: EventContext) {
    await this.transactions.restate(t, 'amendment', await this.ledger.find(t.dealId));
    await ctx.atBatchEnd(this.rollups, t.dealId);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(TransactionRevokedV1.type)
  async revoked(@Payload() t: PayloadOf<typeof TransactionRevokedV1.type>, @Ctx() ctx: EventContext) {
    await this.transactions.revoke(t, await this.ledger.find(t.dealId));
    await ctx.atBatchEnd(this.rollups, t.dealId);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }

  @EventPattern(DealCancelledV1.type)
  async cancelled(@Payload() e: PayloadOf<typeof DealCancelledV1.type>, @Ctx() ctx: EventContext) {
    await this.ledger.cancelled(e);
    await this.funnel.dealCancelled(e.needId, e.parkId, e.dealId, e.cancelledAt);
    await ctx.atBatchEnd(this.feed, ctx.event);
  }
}
