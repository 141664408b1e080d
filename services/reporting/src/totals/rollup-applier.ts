import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { Model } from 'mongoose';
import type { BatchWork } from '@tt/messaging';
import { upsertOnce } from '@tt/store';
import { contributionOf, rollupDeltas, sameContribution, type Contribution, type RollupDelta, type RollupDoc, type VersionedContribution } from './rollup';
import { ROLLUP_MODEL } from './rollup.schema';
import { TRANSACTION_MODEL, type RollupState, type Transaction } from './transaction.schema';

/** A row settles in one pass, two when a newer version lands meanwhile; more means something keeps racing it. */
const MAX_PASSES = 50;
/** A document holding this many transition ids is cleaned by the applier that finds it so (else by the sweep). */
const CLEAN_AT = 16;

/** The `$inc`s of several transitions on one document, added up. */
function sumOf(incs: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const inc of incs) for (const [path, value] of Object.entries(inc)) sum[path] = (sum[path] ?? 0) + value;
  for (const [path, value] of Object.entries(sum)) if (value === 0) delete sum[path];
  return sum;
}

/** `rollup.version` as a filter: rows from before the roll-ups have none (version 0). */
const versionIs = (version: number) => (version === 0 ? { $exists: false } : version);

/** Whether the roll-ups may not yet hold what the row counts for: pending, half applied, or a row from before the roll-ups. */
export function needsRollup(state: RollupState | undefined): boolean {
  return !state || state.pending === true || state.applying !== undefined || state.counted === undefined;
}

/** One row's transition: from what the roll-ups hold of it to what it counts for at `target.version`. */
interface Transition {
  dealId: string;
  from: Contribution | null;
  target: VersionedContribution;
}
const transitionId = (t: Transition) => `${t.dealId}:${t.target.version}`;

/**
 * Keeps the totals' roll-ups (`totals_rollups`, see rollup.ts) equal to the sum of the rows'
 * contributions, without transactions or locks, from any number of instances at once, across crashes
 * between any two writes and any number of redeliveries. `applyMany(dealIds)` may be called at any
 * time, with any rows (the deal consumer calls it once per Kafka batch, with the batch's deals; the
 * sweep and `apply` with one). Each pass, for all its rows at once:
 *
 * 1. claim: on each pending row, record the contribution it counts for now, `applying` =
 *    {version, c}, guarded on the version read (a newer write lands as a newer version) and on no
 *    other claim. From here every applier works towards that same target (a version's contribution
 *    is fixed, so any applier's claim of it is the same claim): the row may move on, the target does not.
 * 2. apply: for each roll-up document the batch's transitions move (a row moves one: its month and
 *    park never change), one `$inc` of the sum of their differences between `counted` (what the
 *    roll-ups hold of the row) and `applying`, and a `$push` of their ids `<dealId>:<version>` in the
 *    same update, guarded on none of the ids being there yet (when some are, a retry or a racing
 *    applier applied them: the update goes again without them) and on the document's `epoch` read
 *    before the rows were read again (see clean).
 * 3. record: `counted` = `applying`, `applying` removed, and `pending` cleared if no newer version landed
 *    (else it stays, and the next pass takes the row from this version to the newer one).
 * 4. clean (once a document holds CLEAN_AT ids, and at every sweep): pull the ids whose row records
 *    them as counted, raising the document's `epoch` in the same update (guarded on the epoch read). An
 *    applier that read the row before step 3 may still be about to write such a transition; its write
 *    names the epoch it read before that read, so it no longer matches, and when it reads again the row
 *    says counted. Without the epoch, pulling an id would let such a late writer apply it a second
 *    time. Ids (`<dealId>:<version>`) are never reused: a row's version only grows.
 *
 * A crash leaves rows `pending` (with or without `applying`): the next call (the redelivered events,
 * the sweep) finishes the same transitions, skipping the documents that already hold their ids.
 */
@Injectable()
export class RollupApplier implements BatchWork<string> {
  readonly name = 'totals roll-ups';
  private readonly rows: Collection<Transaction>;
  private readonly docs: Collection<RollupDoc>;

  constructor(@InjectModel(TRANSACTION_MODEL) transactions: Model<Transaction>, @InjectModel(ROLLUP_MODEL) rollups: Model<RollupDoc>) {
    this.rows = transactions.collection as unknown as Collection<Transaction>;
    this.docs = rollups.collection as unknown as Collection<RollupDoc>;
  }

  /** A batch's deals (BatchWork: the deal consumer leaves each transaction event's deal to its batch's end). */
  async settle(dealIds: readonly string[]): Promise<void> {
    await this.applyMany(dealIds);
  }

  /** Brings the roll-ups to what the row counts for now; returns how many transitions it applied or finished. */
  apply(dealId: string): Promise<number> {
    return this.applyMany([dealId]);
  }

  /** Brings the roll-ups to what each row counts for now, all rows together; returns how many transitions it applied or finished. */
  async applyMany(dealIds: readonly string[]): Promise<number> {
    let open = [...new Set(dealIds)];
    let transitions = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const rows = await this.rows.find({ _id: { $in: open } }, { projection: { record: 0, changes: 0 } }).toArray();
      const claimed: Transition[] = [];
      const writes: AnyBulkWriteOperation<Transaction>[] = [];
      for (const row of rows) {
        if (!needsRollup(row.rollup)) continue;
        const state = row.rollup ?? {};
        const from = state.counted?.c ?? null;
        if (state.applying) {
          claimed.push({ dealId: row._id, from, target: state.applying });
          continue;
        }
        const target = { version: state.version ?? 0, c: contributionOf(row) };
        if (state.counted && target.version <= state.counted.version) {
          // Nothing newer than what is counted (only a flag was left): clear it while the row still says so.
          writes.push({ updateOne: { filter: { _id: row._id, 'rollup.version': versionIs(target.version), 'rollup.applying': { $exists: false } }, update: { $unset: { 'rollup.pending': '' } } } });
          continue;
        }
        writes.push({
          updateOne: {
            filter: { _id: row._id, 'rollup.version': versionIs(target.version), 'rollup.applying': { $exists: false }, 'rollup.counted.version': state.counted ? state.counted.version : { $exists: false } },
            update: { $set: { 'rollup.applying': target, 'rollup.pending': true } },
          },
        });
        claimed.push({ dealId: row._id, from, target });
      }
      open = rows.filter((row) => needsRollup(row.rollup)).map((row) => row._id);
      if (open.length === 0) return transitions;
      if (writes.length > 0) await this.rows.bulkWrite(writes, { ordered: false });
      // A claim that did not stick (a newer write, or another applier's claim of an older version) is read again next pass.
      const { applied, crowded } = await this.applyTransitions(claimed);
      await this.record(applied);
      for (const docId of crowded) await this.clean(docId);
      transitions += applied.length;
    }
    throw new Error(`the roll-ups of transactions ${open.slice(0, 5).join(', ')}${open.length > 5 ? ', …' : ''} did not settle in ${MAX_PASSES} passes`);
  }

  /**
   * Step 2 for a pass's transitions: those applied to every document they move (to record), and the
   * documents that now hold CLEAN_AT ids or more (to clean once they are recorded). Each document's
   * epoch is read before the rows are read again: what a row says then is no older than the epoch,
   * which is what makes step 4 safe. A transition whose row no longer says it is being applied (the
   * claim did not stick, or it was recorded elsewhere), or that meets a moved epoch, is left to the
   * next pass, which reads its row again.
   */
  private async applyTransitions(claimed: Transition[]): Promise<{ applied: Transition[]; crowded: string[] }> {
    if (claimed.length === 0) return { applied: [], crowded: [] };
    const moves = new Map(claimed.map((t) => [t, rollupDeltas(t.from, t.target.c)]));
    const docs = new Map<string, RollupDelta>();
    for (const deltas of moves.values()) for (const [docId, delta] of deltas) if (!docs.has(docId)) docs.set(docId, delta);
    const epochs = await this.epochsOf(docs);
    const now = await this.rows.find({ _id: { $in: claimed.map((t) => t.dealId) } }, { projection: { 'rollup.applying.version': 1 } }).toArray();
    const applyingAt = new Map(now.map((row) => [row._id, row.rollup?.applying?.version]));
    const live = claimed.filter((t) => applyingAt.get(t.dealId) === t.target.version);
    const failed = new Set<Transition>();
    const crowded: string[] = [];
    await Promise.all(
      [...docs.keys()].map(async (docId) => {
        let members = live.filter((t) => moves.get(t)!.has(docId));
        while (members.length > 0) {
          const ids = members.map(transitionId);
          const inc = sumOf(members.map((t) => moves.get(t)!.get(docId)!.inc)); // empty when they cancel out
          const doc = await this.docs.findOneAndUpdate(
            { _id: docId, epoch: epochs.get(docId)!, applied: { $nin: ids } },
            { ...(Object.keys(inc).length > 0 && { $inc: inc }), $push: { applied: { $each: ids } } },
            { returnDocument: 'after', projection: { applied: 1 } },
          );
          if (doc) {
            if (doc.applied.length >= CLEAN_AT) crowded.push(docId);
            return;
          }
          const held = await this.docs.findOne({ _id: docId }, { projection: { epoch: 1, applied: 1 } });
          if ((held?.epoch ?? 0) !== epochs.get(docId)) {
            for (const t of members) failed.add(t); // a clean-up ran since the epoch was read: read these rows again
            return;
          }
          // Some are there already (a retry, or a racing applier of the same transitions): the others go again.
          const there = new Set(held?.applied ?? []);
          members = members.filter((t) => !there.has(transitionId(t)));
        }
      }),
    );
    return { applied: live.filter((t) => !failed.has(t)), crowded };
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
   * Step 3, for every applied transition in one ordered bulk: `counted` = its target and `pending`
   * cleared while the row is still at that version; else (a newer version landed: it stays pending,
   * for the next pass) only `counted` and `applying`. The second update of a row matches only when its
   * first did not. Either is a no-op when another applier recorded the transition first.
   */
  private async record(applied: Transition[]): Promise<void> {
    if (applied.length === 0) return;
    await this.rows.bulkWrite(
      applied.flatMap(({ dealId, target }): AnyBulkWriteOperation<Transaction>[] => [
        {
          updateOne: {
            filter: { _id: dealId, 'rollup.applying.version': target.version, 'rollup.version': versionIs(target.version) },
            update: { $set: { 'rollup.counted': target }, $unset: { 'rollup.applying': '', 'rollup.pending': '' } },
          },
        },
        { updateOne: { filter: { _id: dealId, 'rollup.applying.version': target.version }, update: { $set: { 'rollup.counted': target }, $unset: { 'rollup.applying': '' } } } },
      ]),
      { ordered: true },
    );
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
    return rows.length === 0 ? 0 : this.applyMany(rows.map((row) => row._id));
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
