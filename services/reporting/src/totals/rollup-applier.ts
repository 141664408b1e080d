import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Collection, Model } from 'mongoose';
import { upsertOnce } from '@tt/store';
import { contributionOf, rollupDeltas, sameContribution, type Contribution, type RollupDelta, type RollupDoc, type VersionedContribution } from './rollup';
import { ROLLUP_MODEL } from './rollup.schema';
import { TRANSACTION_MODEL, type RollupState, type Transaction } from './transaction.schema';

/** A row settles in one pass, two when a newer version lands meanwhile; more means something keeps racing it. */
const MAX_PASSES = 50;
/** A document holding this many transition ids is cleaned by the applier that finds it so (else by the sweep). */
const CLEAN_AT = 16;

/** `rollup.version` as a filter: rows from before the roll-ups have none (version 0). */
const versionIs = (version: number) => (version === 0 ? { $exists: false } : version);

/** Whether the roll-ups may not yet hold what the row counts for: pending, half applied, or a row from before the roll-ups. */
export function needsRollup(state: RollupState | undefined): boolean {
  return !state || state.pending === true || state.applying !== undefined || state.counted === undefined;
}

/**
 * Keeps the totals' roll-ups (`totals_rollups`, see rollup.ts) equal to the sum of the rows'
 * contributions, without transactions or locks, from any number of instances at once, across crashes
 * between any two writes and any number of redeliveries. `apply(dealId)` may be called at any time:
 *
 * 1. claim: if the row is pending, record on it the contribution it counts for now, `applying` =
 *    {version, c}, guarded on the version read (a newer write lands as a newer version) and on no
 *    other claim. From here every applier works towards that same target: the row may move on, the
 *    target does not.
 * 2. apply: for each roll-up document the change moves (one: a row's month and park never change),
 *    `$inc` the difference between `counted` (what the roll-ups hold of the row) and `applying`, and
 *    `$push` the transition's id `<dealId>:<version>` in the same update, guarded on the id not being
 *    there yet (a retry or a racing applier skips it) and on the document's `epoch` read before the
 *    row was (re)read (see clean).
 * 3. record: `counted` = `applying`, `applying` removed, and `pending` cleared if no newer version landed
 *    (else it stays, and the next pass takes the row from this version to the newer one).
 * 4. clean (once a document holds CLEAN_AT ids, and at every sweep): pull the ids whose row records
 *    them as counted, raising the document's `epoch` in the same update (guarded on the epoch read). An
 *    applier that read the row before step 3 may still be about to write such a transition; its write
 *    names the epoch it read before that read, so it no longer matches, and when it reads again the row
 *    says counted. Without the epoch, pulling an id would let such a late writer apply it a second
 *    time. Ids (`<dealId>:<version>`) are never reused: a row's version only grows.
 *
 * A crash leaves the row `pending` (with or without `applying`): the next call (the redelivered event,
 * the sweep) finishes the same transition, skipping the documents that already hold its id.
 */
@Injectable()
export class RollupApplier {
  private readonly rows: Collection<Transaction>;
  private readonly docs: Collection<RollupDoc>;

  constructor(@InjectModel(TRANSACTION_MODEL) transactions: Model<Transaction>, @InjectModel(ROLLUP_MODEL) rollups: Model<RollupDoc>) {
    this.rows = transactions.collection as unknown as Collection<Transaction>;
    this.docs = rollups.collection as unknown as Collection<RollupDoc>;
  }

  /** Brings the roll-ups to what the row counts for now; returns how many transitions it applied or finished. */
  async apply(dealId: string): Promise<number> {
    let transitions = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const row = await this.rows.findOne({ _id: dealId }, { projection: { record: 0, changes: 0 } });
      if (!row || !needsRollup(row.rollup)) return transitions;
      const state = row.rollup ?? {};
      let target = state.applying;
      if (!target) {
        target = { version: state.version ?? 0, c: contributionOf(row) };
        if (state.counted && target.version <= state.counted.version) {
          // Nothing newer than what is counted (only a flag was left): clear it while the row still says so.
          await this.rows.updateOne({ _id: dealId, 'rollup.version': versionIs(target.version), 'rollup.applying': { $exists: false } }, { $unset: { 'rollup.pending': '' } });
          continue;
        }
        const claimed = await this.rows.updateOne(
          { _id: dealId, 'rollup.version': versionIs(target.version), 'rollup.applying': { $exists: false }, 'rollup.counted.version': state.counted ? state.counted.version : { $exists: false } },
          { $set: { 'rollup.applying': target, 'rollup.pending': true } },
        );
        if (claimed.matchedCount === 0) continue; // a newer write or another applier's claim came first: read again
      }
      const crowded = await this.applyTransition(dealId, state.counted?.c ?? null, target);
      if (crowded === null) continue; // a clean-up moved an epoch, or the transition was recorded elsewhere: read again
      const settled = await this.record(dealId, target);
      for (const docId of crowded) await this.clean(docId);
      transitions++;
      if (settled) return transitions; // no newer version landed meanwhile
    }
    throw new Error(`the roll-ups of transaction ${dealId} did not settle in ${MAX_PASSES} passes`);
  }

  /**
   * Step 2 for one transition: the documents that now hold CLEAN_AT ids or more (to clean once it is
   * recorded), or null when the row must be read again. Each document's epoch is read before the row
   * is read again: what the row says then is no older than the epoch, which is what makes step 4 safe.
   */
  private async applyTransition(dealId: string, from: Contribution | null, target: VersionedContribution): Promise<string[] | null> {
    const deltas = rollupDeltas(from, target.c);
    if (deltas.size === 0) return [];
    const id = `${dealId}:${target.version}`;
    const epochs = await this.epochsOf(deltas);
    const row = await this.rows.findOne({ _id: dealId }, { projection: { 'rollup.applying.version': 1 } });
    if (row?.rollup?.applying?.version !== target.version) return null;
    const crowded: string[] = [];
    for (const [docId, delta] of deltas) {
      const doc = await this.docs.findOneAndUpdate(
        { _id: docId, epoch: epochs.get(docId)!, applied: { $ne: id } },
        { $inc: delta.inc, $push: { applied: id } },
        { returnDocument: 'after', projection: { applied: 1 } },
      );
      if (doc) {
        if (doc.applied.length >= CLEAN_AT) crowded.push(docId);
        continue;
      }
      const now = await this.docs.findOne({ _id: docId }, { projection: { applied: 1 } });
      if (now?.applied?.includes(id)) continue; // applied already (a retry, or a racing applier of the same transition)
      return null; // the epoch moved: a clean-up ran since it was read
    }
    return crowded;
  }

  /** The roll-up documents' epochs, creating those not there yet (empty). */
  private async epochsOf(deltas: Map<string, RollupDelta>): Promise<Map<string, number>> {
    const found = await this.docs.find({ _id: { $in: [...deltas.keys()] } }, { projection: { epoch: 1 } }).toArray();
    const epochs = new Map(found.map((doc) => [doc._id, doc.epoch ?? 0]));
    for (const [docId, { year, parkId }] of deltas) {
      if (epochs.has(docId)) continue;
      await upsertOnce(this.docs.updateOne({ _id: docId }, { $setOnInsert: { year, parkId, epoch: 0, applied: [] } }, { upsert: true }));
      // Not read: a write guarded on 0 matches only while no clean-up ever ran on the document, which is all step 4 needs.
      epochs.set(docId, 0);
    }
    return epochs;
  }

  /**
   * Step 3: `counted` = the transition's target; `pending` cleared only if the row is still at that
   * version. True when this settled the row (nothing newer to apply).
   */
  private async record(dealId: string, target: VersionedContribution): Promise<boolean> {
    const settled = await this.rows.updateOne(
      { _id: dealId, 'rollup.applying.version': target.version, 'rollup.version': versionIs(target.version) },
      { $set: { 'rollup.counted': target }, $unset: { 'rollup.applying': '', 'rollup.pending': '' } },
    );
    if (settled.matchedCount === 1) return true;
    // A newer version landed (it stays pending), or another applier recorded this transition first.
    await this.rows.updateOne({ _id: dealId, 'rollup.applying.version': target.version }, { $set: { 'rollup.counted': target }, $unset: { 'rollup.applying': '' } });
    return false;
  }

  /**
   * Step 4 for one document: the ids whose row records them as counted (counted.version ≥ the id's)
   * leave it, and its epoch moves, guarded on the epoch read before the rows were. Returns how many.
   */
  private async clean(docId: string): Promise<number> {
    const doc = await this.docs.findOne({ _id: docId }, { projection: { epoch: 1, applied: 1 } });
    if (!doc || doc.applied.length === 0) return 0;
    const parsed = doc.applied.map((id) => ({ id, dealId: id.slice(0, id.lastIndexOf(':')), version: Number(id.slice(id.lastIndexOf(':') + 1)) }));
    const rows = await this.rows.find({ _id: { $in: [...new Set(parsed.map((p) => p.dealId))] } }, { projection: { 'rollup.counted.version': 1 } }).toArray();
    const countedAt = new Map(rows.map((r) => [r._id, r.rollup?.counted?.version]));
    const done = parsed.filter((p) => (countedAt.get(p.dealId) ?? -1) >= p.version).map((p) => p.id);
    if (done.length === 0) return 0;
    const written = await this.docs.updateOne({ _id: docId, epoch: doc.epoch ?? 0 }, { $pull: { applied: { $in: done } }, $inc: { epoch: 1 } });
    return written.modifiedCount === 1 ? done.length : 0;
  }

  /** The sweep's clean-up of every document holding ids. Returns how many ids it pulled. */
  async cleanApplied(): Promise<number> {
    let pulled = 0;
    for (const { _id } of await this.docs.find({ 'applied.0': { $exists: true } }, { projection: { _id: 1 } }).toArray()) pulled += await this.clean(_id);
    return pulled;
  }

  /** The sweep: every row left pending (by a crash between its write and its roll-up, or by a failed apply). */
  async applyPending(limit = 1_000): Promise<number> {
    const rows = await this.rows.find({ 'rollup.pending': true }, { projection: { _id: 1 } }).limit(limit).toArray();
    let applied = 0;
    for (const { _id } of rows) applied += await this.apply(_id);
    return applied;
  }

  /**
   * Every row, in `_id` order, in batches: rows from before the roll-ups (no `rollup`) are taken in, and
   * a row whose contribution differs from what it says is counted, written without the roll-ups (by a
   * reporting of an earlier version, during a rolling upgrade), is marked pending (a new version) and
   * applied. Returns how many transitions it applied.
   */
  async reconcile(batch = 1_000): Promise<number> {
    let after = '';
    let applied = 0;
    for (;;) {
      const rows = await this.rows.find({ _id: { $gt: after } }, { projection: { record: 0, changes: 0 } }).sort({ _id: 1 }).limit(batch).toArray();
      if (rows.length === 0) return applied;
      for (const row of rows) {
        const state = row.rollup;
        if (!needsRollup(state)) {
          const counted = state!.counted!;
          if (sameContribution(contributionOf(row), counted.c)) continue;
          await this.rows.updateOne(
            { _id: row._id, 'rollup.version': versionIs(state!.version ?? 0), 'rollup.counted.version': counted.version, 'rollup.pending': { $exists: false } },
            { $set: { 'rollup.pending': true }, $inc: { 'rollup.version': 1 } },
          );
        }
        applied += await this.apply(row._id);
      }
      after = rows[rows.length - 1]._id;
    }
  }
}
