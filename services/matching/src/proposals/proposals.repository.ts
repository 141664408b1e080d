import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { NeedCategory, RejectionReason, TechnicalField } from '@tt/contracts';
import { EventOutbox, type OutboxEntry } from '@tt/messaging';
import { conflict, notFound } from '@tt/platform';
import { isDuplicateKey, upsertOnce } from '@tt/store';
import { SharedReads } from '../shared-reads';
import { MATCH_RUN_MODEL, PROPOSAL_MODEL, type MatchRun, type Proposal } from './proposal.schema';

type Broker = { subject: string; parkId: string };
const feedbackKeyOf = (needCategory: NeedCategory, needField: TechnicalField) => `${needCategory}|${needField}`;
/** How many decisions each (category, field) keeps for the ranking: the newest. */
export const FEEDBACK_KEPT = 2000;
/** The broker_feedback document that says the decisions made before it was kept have been added. */
const FEEDBACK_SEEDED = '$seeded';

/** One decision as the ranking learns from it: the item, the outcome, and the terms the need was matched on. */
export interface DecisionFeedback {
  proposalId: string;
  supplyId: string;
  outcome: 'accepted' | RejectionReason;
  terms: string[];
}

function feedbackEntryOf(p: Pick<Proposal, '_id' | 'supplyId' | 'status' | 'rejectionCode' | 'reasons'>): DecisionFeedback {
  return {
    proposalId: p._id,
    supplyId: p.supplyId,
    outcome: p.status === 'accepted' ? 'accepted' : (p.rejectionCode ?? 'other'),
    terms: [...(p.reasons?.find((r) => r.kind === 'terms')?.terms ?? [])],
  };
}
/** One row of the acceptance counts: proposals of a model version in a status (and rejection code). */
export type AcceptanceRow = { _id: { modelVersion?: string; status: string; code?: RejectionReason }; n: number };

/**
 * The proposals and match runs collections: every write a guarded single-document update (a decision
 * or a reminder needs the proposal still undecided) or an idempotent upsert or insert, carrying the
 * events it stages, flushed to the outbox relay once it landed; and the reads (a broker's always within
 * their park; a job's by id).
 */
@Injectable()
export class ProposalsRepository implements OnApplicationBootstrap {
  constructor(
    @InjectModel(MATCH_RUN_MODEL) private readonly runs: Model<MatchRun>,
    @InjectModel(PROPOSAL_MODEL) private readonly proposals: Model<Proposal>,
    private readonly outbox: EventOutbox,
  ) {}

  /** The latest run: of the newest revision or catalogue change scored, else of the need as captured. */
  async latestRunOf(needId: string): Promise<MatchRun | null> {
    return (
      (await this.runs.findOne({ needId }, { outbox: 0 }).sort({ revision: -1, proposedAt: -1 }).lean().exec()) ??
      (await this.runs.findById(needId, { outbox: 0 }).lean().exec())
    );
  }

  /** Whether the need's latest run still ranks the proposal (a re-score may have dropped it). */
  async isCurrent(proposal: Pick<Proposal, '_id' | 'needId'>): Promise<boolean> {
    const run = await this.latestRunOf(proposal.needId);
    return !run || run.proposalIds.includes(proposal._id);
  }

  /** The run recorded under this id, if any (only when its catalogue was read). */
  async findRun(runId: string): Promise<Pick<MatchRun, '_id' | 'modelReadAt'> | null> {
    return this.runs.findById(runId, { modelReadAt: 1 }).lean().exec();
  }

  /**
   * Records a run with its match proposed. Keyed by need and revision (or catalogue window): a run
   * an earlier attempt recorded stays as it is, and its events are flushed again.
   */
  async insertRun(run: MatchRun): Promise<void> {
    try {
      await this.runs.create(run);
      this.outbox.flushCreated(this.runs, run._id, run.outbox);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // already scored by an earlier attempt
      this.outbox.flush(this.runs, run._id);
    }
  }

  /** Upserts a run's proposals by their ids (derived from need and supply). */
  async upsertProposed(proposals: Proposal[]): Promise<void> {
    if (proposals.length === 0) return;
    // A supply proposed again keeps its proposal (and any decision on it); its rank and score follow the revision.
    await this.proposals.bulkWrite(
      proposals.map(({ rank, score, reasons, ...p }) => ({
        updateOne: { filter: { _id: p._id }, update: { $setOnInsert: p, $set: { rank, score, reasons } }, upsert: true },
      })),
      { ordered: false },
    );
  }

  async findForPark(proposalId: string, parkId: string): Promise<Proposal> {
    const proposal = await this.proposals.findOne({ _id: proposalId, parkId }, { outbox: 0 }).lean().exec();
    if (!proposal) throw notFound('proposal', proposalId);
    return proposal as Proposal;
  }

  /** The need's proposals in the broker's park, in rank order. */
  async ofNeed(needId: string, parkId: string): Promise<Proposal[]> {
    return (await this.proposals.find({ needId, parkId }, { outbox: 0 }).sort({ rank: 1 }).lean().exec()) as Proposal[];
  }

  /** The proposal (a job's read, by id), if any. */
  async find(proposalId: string): Promise<Proposal | null> {
    return (await this.proposals.findById(proposalId, { outbox: 0 }).lean().exec()) as Proposal | null;
  }

  /** The decision and its event in one conditional update: only a still-open proposal can be decided. */
  async decide(proposal: Proposal, broker: Broker, change: Partial<Proposal>, event: OutboxEntry): Promise<Proposal> {
    // The status guard makes this a compare-and-set: of two racing decisions, in any instances, one wins.
    const updated = await this.proposals
      .findOneAndUpdate(
        { _id: proposal._id, parkId: broker.parkId, status: 'proposed' },
        { $set: { ...change, decidedBy: broker.subject, decidedAt: new Date() }, $push: { outbox: event } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean()
      .exec();
    if (!updated) {
      const current = await this.findForPark(proposal._id, broker.parkId); // the status that won the race
      throw conflict(`proposal ${proposal._id} was already ${current.status}`, { currentStatus: current.status });
    }
    this.outbox.flush(this.proposals, proposal._id);
    await this.recordFeedback(updated as Proposal);
    return updated as Proposal;
  }

  /**
   * The decisions on proposals for needs of one category and field, newest last (at most `limit`), as
   * scorers read them: one document per (category, field), `broker_feedback`, read by `_id`, instead
   * of a scan of every proposal (the local store serves only unique indexes). Each decision is added
   * once, after its compare-and-set on the proposal; a crash between the two loses that one hint to the
   * ranking (never a decision, nor an event).
   */
  async feedbackOf(needCategory: NeedCategory, needField: TechnicalField): Promise<DecisionFeedback[]> {
    // Jobs of one (category, field) that start while its read is in flight share it: as if they had
    // started when it did (the decisions are read-only to the ranking).
    const key = feedbackKeyOf(needCategory, needField);
    return this.feedbackReads.share(key, async () => (await this.feedbackDocs().findOne({ _id: key }))?.decisions ?? []).value;
  }

  /** Feedback reads in flight, by (category, field). */
  private readonly feedbackReads = new SharedReads<string, DecisionFeedback[]>();

  async onApplicationBootstrap(): Promise<void> {
    await this.seedFeedbackFromProposals();
  }

  /**
   * Once per database: the feedback documents of the decisions made before they were kept, from one
   * read of the decided proposals. A marker records that it was done, so later starts read nothing.
   * Instances starting together may both do it: each document is only ever set on insert.
   */
  async seedFeedbackFromProposals(limit = FEEDBACK_KEPT): Promise<void> {
    const docs = this.feedbackDocs();
    if (await docs.findOne({ _id: FEEDBACK_SEEDED })) return;
    const decided = await this.proposals
      .find({ status: { $in: ['accepted', 'rejected'] }, needCategory: { $exists: true }, needField: { $exists: true } }, { supplyId: 1, status: 1, rejectionCode: 1, reasons: 1, needCategory: 1, needField: 1 })
      .sort({ decidedAt: -1 })
      .lean()
      .exec();
    const byKey = new Map<string, DecisionFeedback[]>();
    for (const p of decided) {
      const key = feedbackKeyOf(p.needCategory!, p.needField!);
      const decisions = byKey.get(key) ?? [];
      if (decisions.length < limit) decisions.push(feedbackEntryOf(p));
      byKey.set(key, decisions);
    }
    for (const [_id, newestFirst] of byKey) {
      await upsertOnce(docs.updateOne({ _id }, { $setOnInsert: { decisions: newestFirst.reverse() } }, { upsert: true }));
    }
    await upsertOnce(docs.updateOne({ _id: FEEDBACK_SEEDED }, { $setOnInsert: { decisions: [], seededAt: new Date() } }, { upsert: true }));
  }

  private async recordFeedback(decided: Proposal, limit = FEEDBACK_KEPT): Promise<void> {
    if (!decided.needCategory || !decided.needField) return; // proposals from before these were kept
    await upsertOnce(
      this.feedbackDocs().updateOne(
        { _id: feedbackKeyOf(decided.needCategory, decided.needField), 'decisions.proposalId': { $ne: decided._id } },
        { $push: { decisions: { $each: [feedbackEntryOf(decided)], $slice: -limit } } },
        { upsert: true },
      ),
    );
  }

  private feedbackDocs() {
    return this.proposals.db.collection<{ _id: string; decisions: DecisionFeedback[]; seededAt?: Date }>('broker_feedback');
  }

  /** Raises the reminder on a proposal still undecided and not yet reminded; false when it was decided or reminded meanwhile. */
  async raiseReminder(proposalId: string, raisedAt: Date, event: OutboxEntry): Promise<boolean> {
    const result = await this.proposals
      .updateOne({ _id: proposalId, status: 'proposed', reminderRaisedAt: { $exists: false } }, { $set: { reminderRaisedAt: raisedAt }, $push: { outbox: event } })
      .exec();
    if (result.modifiedCount === 0) return false;
    this.outbox.flush(this.proposals, proposalId);
    return true;
  }

  /** Proposals counted by model version, status and rejection code. */
  acceptanceRows(): Promise<AcceptanceRow[]> {
    return this.proposals
      .aggregate<AcceptanceRow>([{ $group: { _id: { modelVersion: '$modelVersion', status: '$status', code: '$rejectionCode' }, n: { $sum: 1 } } }])
      .exec();
  }
}
