import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';
import { EventRejectedError, upsertOnce } from '@tt/messaging';
import { DEAL_LEDGER_MODEL, type DealLedgerEntry } from './deal-ledger.schema';

type Opened = PayloadOf<'cn.techtransfer.deal.opened.v1'>;
type Signed = PayloadOf<'cn.techtransfer.contract.signed.v1'>;
type Registered = PayloadOf<'cn.techtransfer.contract.registered.v1'>;
type Logged = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
type Cancelled = PayloadOf<'cn.techtransfer.deal.cancelled.v1'>;

/**
 * Follows each deal through its events and refuses the ones that do not fit: a step for a deal never
 * opened, a registration before a signature, a logged transaction whose figures differ from what was
 * signed and registered. Events of one deal arrive in order (one key, one partition), so a refusal
 * means a forged or corrupt event, never a race: it is dead-lettered, and the totals do not move.
 * Every write sets the same values again on redelivery.
 */
@Injectable()
export class DealLedgerService {
  constructor(@InjectModel(DEAL_LEDGER_MODEL) private readonly deals: Model<DealLedgerEntry>) {}

  async opened(e: Opened): Promise<void> {
    await upsertOnce(
      this.deals
        .updateOne(
          { _id: e.dealId },
          { $setOnInsert: { needId: e.needId, parkId: e.parkId, brokerId: e.brokerId, openedAt: new Date(e.openedAt) } },
          { upsert: true },
        )
        .exec(),
    );
  }

  async signed(e: Signed): Promise<void> {
    const signed = { contractType: e.contractType, signedOn: e.signedOn, contractAmountFen: e.contractAmountFen, techTransactionAmountFen: e.techTransactionAmountFen };
    const result = await this.deals.updateOne({ _id: e.dealId, parkId: e.parkId, needId: e.needId, registered: { $exists: false }, cancelled: { $exists: false } }, { $set: { signed } }).exec();
    if (result.matchedCount === 0) throw new EventRejectedError(`contract signed for deal ${e.dealId}, which reporting has not seen opened in park ${e.parkId} (or already registered)`);
  }

  async registered(e: Registered): Promise<void> {
    const registered = { registrationNumber: e.registrationNumber, registeredOn: e.registeredOn };
    const result = await this.deals
      .updateOne({ _id: e.dealId, parkId: e.parkId, needId: e.needId, signed: { $exists: true }, cancelled: { $exists: false } }, { $set: { registered } })
      .exec();
    if (result.matchedCount === 0) throw new EventRejectedError(`contract registered for deal ${e.dealId}, which reporting has not seen opened and signed in park ${e.parkId}`);
  }

  /** A deal cancelled before registration; refused for a deal never opened or already registered. */
  async cancelled(e: Cancelled): Promise<void> {
    const cancelled = { stage: e.stage, cancelledAt: new Date(e.cancelledAt) };
    const result = await this.deals
      .updateOne({ _id: e.dealId, parkId: e.parkId, needId: e.needId, registered: { $exists: false } }, { $set: { cancelled } })
      .exec();
    if (result.matchedCount === 0) throw new EventRejectedError(`deal cancelled for deal ${e.dealId}, which reporting has not seen opened in park ${e.parkId} (or already registered)`);
  }

  /** Throws EventRejectedError unless the transaction is exactly the deal's signed and registered contract. */
  async verifyTransaction(t: Logged): Promise<void> {
    const deal = await this.deals.findById(t.dealId).lean().exec();
    if (!deal) throw new EventRejectedError(`transaction logged for deal ${t.dealId}, which reporting has never seen opened`);
    const expected = {
      parkId: deal.parkId,
      needId: deal.needId,
      brokerId: deal.brokerId,
      contractType: deal.signed?.contractType,
      signedOn: deal.signed?.signedOn,
      contractAmountFen: deal.signed?.contractAmountFen,
      techTransactionAmountFen: deal.signed?.techTransactionAmountFen,
      registrationNumber: deal.registered?.registrationNumber,
      registeredOn: deal.registered?.registeredOn,
    };
    const mismatched = (Object.keys(expected) as (keyof typeof expected)[]).filter((field) => t[field] !== expected[field]);
    if (mismatched.length > 0) {
      throw new EventRejectedError(`transaction logged for deal ${t.dealId} does not match its signed and registered contract: ${mismatched.join(', ')}`);
    }
  }
}
