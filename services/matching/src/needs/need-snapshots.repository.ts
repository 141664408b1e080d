import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { needState, type PayloadOf } from '@tt/contracts';
import { notFound } from '@tt/platform';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from './need-snapshot.schema';

type CapturedState = Omit<PayloadOf<'cn.techtransfer.need.captured.v1'>, 'needId'>;
type RevisedState = Omit<PayloadOf<'cn.techtransfer.need.revised.v1'>, 'needId' | 'revision' | 'revisedAt'>;

/**
 * Matching's copies of needs: every write a guarded single-document update (a capture only inserts,
 * a revision only replaces an older one, an end only ends an open need), the marks the unscored sweep
 * reads, and the reads (a broker's within their park; a job's by id).
 */
@Injectable()
export class NeedSnapshotsRepository {
  constructor(@InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>) {}

  /** The need as captured, awaiting its score. */
  async insertCaptured(needId: string, state: CapturedState): Promise<void> {
    // Insert-if-absent: a redelivered capture never overwrites a later revision.
    await this.needs
      .updateOne({ _id: needId }, { $setOnInsert: { ...state, revision: 0, awaitingScore: { revision: 0, since: new Date() } } }, { upsert: true })
      .exec();
  }

  /** A revision's state replaces the copy, awaiting its score. */
  async applyRevision(needId: string, revision: number, state: RevisedState): Promise<void> {
    // One guarded update: only a newer revision of a need still open replaces the copy.
    await this.needs
      .updateOne(
        { _id: needId, ended: { $exists: false }, $or: [{ revision: { $lt: revision } }, { revision: { $exists: false } }] },
        // The revision restates the whole need: optional fields it no longer has are removed.
        { $set: { ...state, revision, awaitingScore: { revision, since: new Date() } }, ...unsetAbsent(state) },
      )
      .exec();
  }

  /** Marks an open need withdrawn or closed (once: the first end stays). */
  async end(needId: string, reason: 'withdrawn' | 'closed', at: Date): Promise<void> {
    await this.needs.updateOne({ _id: needId, ended: { $exists: false } }, { $set: { ended: { reason, at } } }).exec();
  }

  /** The revision has its run: the unscored sweep no longer looks at the need (unless a newer revision arrived). */
  async markScored(needId: string, revision: number): Promise<void> {
    await this.needs.updateOne({ _id: needId, 'awaitingScore.revision': revision }, { $unset: { awaitingScore: 1 } }).exec();
  }

  /** The need (a job's read, by id): null when no snapshot arrived yet. */
  async find(needId: string): Promise<NeedSnapshot | null> {
    return (await this.needs.findById(needId).lean().exec()) as NeedSnapshot | null;
  }

  /** Whose need it is and whether it ended (a job's read, by id). */
  async brokerAndEnd(needId: string): Promise<Pick<NeedSnapshot, '_id' | 'brokerId' | 'ended'> | null> {
    return this.needs.findById(needId, { brokerId: 1, ended: 1 }).lean().exec();
  }

  /** Whether the broker's park has the need, and whether it ended; 404 otherwise. */
  async endOf(needId: string, parkId: string): Promise<Pick<NeedSnapshot, '_id' | 'ended'>> {
    const need = await this.needs.findOne({ _id: needId, parkId }, { _id: 1, ended: 1 }).lean().exec();
    if (!need) throw notFound('need', needId);
    return need;
  }

  /** The open needs (not withdrawn or closed), streamed: their ids and revisions. */
  open(): AsyncIterable<Pick<NeedSnapshot, '_id' | 'revision'>> {
    return this.needs.find({ ended: { $exists: false } }, { _id: 1, revision: 1 }).lean().cursor();
  }

  /** Open needs awaiting a score since before `before`, the longest waiting first. */
  awaitingScoreSince(before: Date, limit: number): Promise<Pick<NeedSnapshot, '_id' | 'awaitingScore' | 'revision'>[]> {
    return this.needs
      .find({ 'awaitingScore.since': { $lt: before }, ended: { $exists: false } }, { awaitingScore: 1, revision: 1 })
      .sort({ 'awaitingScore.since': 1 })
      .limit(limit)
      .lean()
      .exec();
  }
}

/** The optional need fields a revision leaves out, as an $unset (empty when it has them all). */
function unsetAbsent(state: Record<string, unknown>): { $unset?: Record<string, 1> } {
  const absent = Object.keys(needState).filter((key) => needState[key as keyof typeof needState].isOptional() && state[key] === undefined);
  return absent.length ? { $unset: Object.fromEntries(absent.map((k) => [k, 1 as const])) } : {};
}
