import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PayloadOf, RegistryRecord } from '@tt/contracts';
import { EventRejectedError } from '@tt/messaging';
import { upsertOnce } from '@tt/store';
import { DEAL_LEDGER_MODEL, type DealLedgerEntry } from './deal-ledger.schema';
import { registrationRecordProblem } from './registration-rules';

type Opened = PayloadOf<'cn.techtransfer.deal.opened.v1'>;
type Signed = PayloadOf<'cn.techtransfer.contract.signed.v1'>;
type Registered = PayloadOf<'cn.techtransfer.contract.registered.v1'>;
type RegisteredV2 = PayloadOf<'cn.techtransfer.contract.registered.v2'>;
type Logged = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
type LoggedV2 = PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
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
          { $setOnInsert: { needId: e.needId, parkId: e.parkId, brokerId: e.brokerId, enterpriseId: e.enterpriseId, openedAt: new Date(e.openedAt) } },
          { upsert: true },
        )
        .exec(),
    );
  }

  /**
   * A deal is signed once (contract-tracking answers a second signature with 409): the ledger takes the
   * first signature of an open deal, and the same signature again (a redelivery, at any stage) changes
   * nothing. Another signature is refused: the amounts signed cap what a correction may restate.
   */
  async signed(e: Signed): Promise<void> {
    const signed = { contractType: e.contractType, signedOn: e.signedOn, contractAmountFen: e.contractAmountFen, techTransactionAmountFen: e.techTransactionAmountFen };
    const sameSignature = Object.fromEntries(Object.entries(signed).map(([field, value]) => [`signed.${field}`, value]));
    const result = await this.deals
      .updateOne(
        {
          _id: e.dealId,
          parkId: e.parkId,
          needId: e.needId,
          $or: [{ signed: { $exists: false }, registered: { $exists: false }, cancelled: { $exists: false } }, sameSignature],
        },
        { $set: { signed } },
      )
      .exec();
    if (result.matchedCount === 0)
      throw new EventRejectedError(`contract signed for deal ${e.dealId}, which reporting has not seen opened in park ${e.parkId}, or holds as signed otherwise (or already registered or cancelled)`);
  }

  /** Refused for a deal not signed, or already registered under another number or date (a redelivery sets the same again). */
  async registered(e: Registered): Promise<void> {
    const result = await this.deals
      .updateOne(
        {
          _id: e.dealId,
          parkId: e.parkId,
          needId: e.needId,
          signed: { $exists: true },
          cancelled: { $exists: false },
          $or: [{ registered: { $exists: false } }, { 'registered.registrationNumber': e.registrationNumber, 'registered.registeredOn': e.registeredOn }],
        },
        // Field by field: a redelivery after the record (v2) arrived keeps the record.
        { $set: { 'registered.registrationNumber': e.registrationNumber, 'registered.registeredOn': e.registeredOn } },
      )
      .exec();
    if (result.matchedCount === 0)
      throw new EventRejectedError(`contract registered for deal ${e.dealId}, which reporting has not seen opened and signed in park ${e.parkId}, or holds as registered under another number or date`);
  }

  /**
   * The registry's record of the contract (v2, published after v1): it must be of the contract signed
   * (same type and signing date), under the number and date registered, and the only one
   * (`registrationRecordProblem`); its amounts are the registry's, which may be below those declared.
   */
  async registeredWithRecord(e: RegisteredV2): Promise<void> {
    const { record } = e;
    const held = await this.deals.findById(e.dealId).lean().exec();
    const problem = registrationRecordProblem(held, e);
    if (problem) throw new EventRejectedError(`contract registered (v2) for deal ${e.dealId}: ${problem}`);
    if (held!.registered?.record) return; // the very record held: a redelivery
    const registered = { registrationNumber: record.registrationNumber, registeredOn: record.registeredOn, record };
    await this.deals.updateOne({ _id: e.dealId, 'registered.record': { $exists: false } }, { $set: { registered } }).exec();
  }

  /** A deal cancelled before registration; refused for a deal never opened or already registered. */
  async cancelled(e: Cancelled): Promise<void> {
    const cancelled = { stage: e.stage, cancelledAt: new Date(e.cancelledAt) };
    const result = await this.deals
      .updateOne({ _id: e.dealId, parkId: e.parkId, needId: e.needId, registered: { $exists: false } }, { $set: { cancelled } })
      .exec();
    if (result.matchedCount === 0) throw new EventRejectedError(`deal cancelled for deal ${e.dealId}, which reporting has not seen opened in park ${e.parkId} (or already registered)`);
  }

  /** The deal's ledger entry, for the checks of a change to its registration (null: never seen opened). */
  async find(dealId: string): Promise<DealLedgerEntry | null> {
    return this.deals.findById(dealId).lean().exec();
  }

  /** Throws EventRejectedError unless the logged v2 transaction carries exactly the record registered. */
  async verifyLoggedRecord(t: LoggedV2): Promise<void> {
    const deal = await this.deals.findById(t.dealId).lean().exec();
    if (!deal || deal.parkId !== t.parkId || deal.needId !== t.needId || deal.brokerId !== t.brokerId)
      throw new EventRejectedError(`transaction logged (v2) for deal ${t.dealId}, which reporting has not seen opened in park ${t.parkId}`);
    if (!deal.registered?.record || !sameRecord(deal.registered.record, t.record))
      throw new EventRejectedError(`transaction logged (v2) for deal ${t.dealId} does not carry the record registered`);
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
      // As registered when the registry's record is known (it may set 技术交易额 below the declared one).
      contractAmountFen: deal.registered?.record?.contractAmountFen ?? deal.signed?.contractAmountFen,
      techTransactionAmountFen: deal.registered?.record?.techTransactionAmountFen ?? deal.signed?.techTransactionAmountFen,
      registrationNumber: deal.registered?.registrationNumber,
      registeredOn: deal.registered?.registeredOn,
    };
    const mismatched = (Object.keys(expected) as (keyof typeof expected)[]).filter((field) => t[field] !== expected[field]);
    if (mismatched.length > 0) {
      throw new EventRejectedError(`transaction logged for deal ${t.dealId} does not match its signed and registered contract: ${mismatched.join(', ')}`);
    }
  }
}

/** Records compared field by field, whatever the order of their keys after a round trip through the store. */
export function sameRecord(a: RegistryRecord, b: RegistryRecord): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
