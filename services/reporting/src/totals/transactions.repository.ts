import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { upsertOnce } from '@tt/store';
import { rollupIdOf, sumRollups, type RollupDoc } from './rollup';
import { ROLLUP_MODEL } from './rollup.schema';
import { TRANSACTION_MODEL, type Transaction } from './transaction.schema';

/** A row as logged (v1), before its `_id` (the deal) and revision. */
export type LoggedRow = Omit<Transaction, '_id' | 'revision'>;
/** One correction, amendment or revocation as the row keeps it. */
export type TransactionChange = NonNullable<Transaction['changes']>[number];

/**
 * What every write that changes what a row counts for sets in the same update: a new roll-up version,
 * pending until the roll-ups hold it (see rollup-applier.ts).
 */
const PENDING = { 'rollup.pending': true };
const NEXT_VERSION = { 'rollup.version': 1 };

/**
 * The transaction rows (the source of truth) and the totals' roll-ups read from them. Every write is a
 * guarded single-document update (upsert once, or compare-and-set on the revision) that raises the
 * row's roll-up version and marks it pending; the roll-up applier (rollup-applier.ts) then brings the
 * roll-ups to it: the deal consumer at its Kafka batch's end, before the batch is committed, so a crash
 * between the two is finished by the events' redelivery (or by the sweep).
 */
@Injectable()
export class TransactionsRepository {
  constructor(
    @InjectModel(TRANSACTION_MODEL) private readonly transactions: Model<Transaction>,
    @InjectModel(ROLLUP_MODEL) private readonly rollups: Model<RollupDoc>,
  ) {}

  /** The row at revision 0, inserted once (a redelivery meets its `_id` and changes nothing). */
  async insertLogged(dealId: string, row: LoggedRow): Promise<void> {
    await upsertOnce(this.transactions.updateOne({ _id: dealId }, { $setOnInsert: { ...row, revision: 0, rollup: { version: 1, pending: true } } }, { upsert: true }).exec());
  }

  /**
   * Sets `set` on the row only while it is still at revision 0 (inserting it with `insertOnly` besides
   * if it is not there yet): a redelivery after a correction changes nothing (the upsert meets the
   * row's `_id` at a later revision and stops).
   */
  async writeAtRevisionZero(dealId: string, set: object, insertOnly: object): Promise<void> {
    await upsertOnce(
      this.transactions
        .updateOne({ _id: dealId, revision: 0 }, { $set: { ...set, ...PENDING }, $inc: NEXT_VERSION, $setOnInsert: insertOnly }, { upsert: true })
        .exec(),
    );
  }

  find(dealId: string) {
    return this.transactions.findById(dealId).lean().exec();
  }

  /**
   * Restates the row at the change's revision, recording the change, conditional on the revision read
   * (`heldRevision`). False when another change landed since the read (nothing written).
   */
  async writeChange(dealId: string, heldRevision: number, changes: object, change: TransactionChange): Promise<boolean> {
    const written = await this.transactions
      .updateOne({ _id: dealId, revision: heldRevision }, { $set: { ...changes, revision: change.revision, ...PENDING }, $inc: NEXT_VERSION, $push: { changes: change } })
      .exec();
    return written.matchedCount === 1;
  }

  /**
   * The sums of `year` and the year before, from the roll-ups: two documents by _id (the park's, or
   * every park's), so the read grows with the breakdowns' keys, not with contracts.
   */
  async rolledUp(year: number, parkId?: string) {
    const ids = [rollupIdOf(year, parkId ?? null), rollupIdOf(year - 1, parkId ?? null)];
    const docs = await this.rollups.collection.find({ _id: { $in: ids } } as Record<string, unknown>, { projection: { year: 1, months: 1, dims: 1 } }).toArray();
    return sumRollups(docs as unknown as RollupDoc[], year);
  }
}
