import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Model } from 'mongoose';
import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import { EventOutbox, isDuplicateKey } from '@tt/messaging';
import { conflict, notFound } from '@tt/platform';
import { CatalogueService } from '../catalogue/catalogue.service';
import { config } from '../config';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from '../needs/need-snapshot.schema';
import { MATCH_RUN_MODEL, PROPOSAL_MODEL, type MatchRun, type Proposal } from './proposal.schema';
import {
  catalogueRescoreJob,
  catalogueWindowOf,
  SCORING_QUEUE,
  scoringJobId,
  type CatalogueTrigger,
  type ScoringJob,
} from './scoring.queue';
import { MODEL_VERSION } from '../scoring/relevance-model';
import type { FeedbackDecision, NeedForMatching } from '../scoring/scoring.types';

type Broker = { subject: string; parkId: string };

/** How many recent decisions per category and field the ranking learns from. */
const FEEDBACK_DECISIONS = 2000;

@Injectable()
export class ProposalsService {
  constructor(
    @InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>,
    @InjectModel(MATCH_RUN_MODEL) private readonly runs: Model<MatchRun>,
    @InjectModel(PROPOSAL_MODEL) private readonly proposals: Model<Proposal>,
    private readonly catalogue: CatalogueService,
    private readonly outbox: EventOutbox,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
  ) {}

  /**
   * Scores one revision of a need. Idempotent: proposals have ids derived from (need, supply) and are
   * upserted; the run (whose insert carries match proposed) is keyed by need and revision, so a retried
   * job publishes nothing twice. A revision superseded by a newer one, or a need withdrawn or closed,
   * is not scored.
   *
   * With a `trigger` (catalogue changes of one window), the need is scored again against the catalogue
   * as it now stands, and a run (with its match proposed) is recorded only when its proposals changed:
   * the need hears of what is new, not of every catalogue change.
   */
  async scoreNeed(needId: string, revision = 0, trigger?: CatalogueTrigger): Promise<void> {
    const runId = scoringJobId(needId, revision, trigger);
    const done = await this.runs.findById(runId, { modelReadAt: 1 }).lean().exec();
    if (done) {
      if (!trigger) {
        // A retry after a crash before these were done.
        await this.markScored(needId, revision);
        await this.followCatalogue(needId, revision, done.modelReadAt ?? new Date());
      }
      return;
    }
    const need = await this.needs.findById(needId).lean().exec();
    if (!need) throw new Error(`need ${needId} has no snapshot yet`);
    if (need.ended || (need.revision ?? 0) > revision) return;
    if ((need.revision ?? 0) < revision) throw new Error(`need ${needId} revision ${revision} not applied yet`); // retried
    const modelReadAt = new Date();
    const model = await this.catalogue.freshModel();
    const forMatching = needForMatching(need);
    const ranked = model.rank(forMatching, {
      limit: config.proposalsPerNeed,
      minScore: config.minProposalScore,
      feedback: await this.feedbackFor(forMatching),
    });
    const proposals: Proposal[] = ranked.map((c, i) => ({
      _id: proposalIdOf(needId, c.supplyId),
      needId,
      parkId: need.parkId,
      rank: i + 1,
      supplyId: c.supplyId,
      supplyKind: c.kind,
      supplyName: c.name,
      score: c.score,
      reasons: c.reasons,
      status: 'proposed',
      needCategory: need.category,
      needField: need.technicalField,
      modelVersion: MODEL_VERSION,
      outbox: [],
    }));
    if (trigger) {
      const latest = await this.latestRun(needId);
      if (latest && sameList(latest.proposalIds, proposals.map((p) => p._id))) return; // nothing new for this need
    }
    if (proposals.length > 0) {
      // A supply proposed again keeps its proposal (and any decision on it); its rank and score follow the revision.
      await this.proposals.bulkWrite(
        proposals.map(({ rank, score, reasons, ...p }) => ({
          updateOne: { filter: { _id: p._id }, update: { $setOnInsert: p, $set: { rank, score, reasons } }, upsert: true },
        })),
        { ordered: false },
      );
    }
    const proposedAt = new Date();
    const event = this.outbox.stage('cn.techtransfer.match.proposed.v1', {
      needId,
      parkId: need.parkId,
      modelVersion: MODEL_VERSION,
      proposals: proposals.map((p) => ({
        proposalId: p._id,
        supplyId: p.supplyId,
        supplyKind: p.supplyKind,
        supplyName: p.supplyName,
        score: p.score,
        rank: p.rank,
        reasons: p.reasons,
      })),
      proposedAt: proposedAt.toISOString(),
    });
    try {
      await this.runs.create({
        _id: runId,
        ...(revision > 0 || trigger ? { needId, revision } : {}),
        ...(trigger ? { trigger } : {}),
        parkId: need.parkId,
        modelVersion: MODEL_VERSION,
        proposalIds: proposals.map((p) => p._id),
        proposedAt,
        modelReadAt,
        outbox: [event],
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error; // already scored by an earlier attempt
    }
    this.outbox.flush(this.runs, runId);
    if (!trigger) {
      await this.markScored(needId, revision);
      await this.followCatalogue(needId, revision, modelReadAt);
    }
  }

  /** The revision has its run: the unscored sweep no longer looks at the need (unless a newer revision arrived). */
  private async markScored(needId: string, revision: number): Promise<void> {
    await this.needs.updateOne({ _id: needId, 'awaitingScore.revision': revision }, { $unset: { awaitingScore: 1 } }).exec();
  }

  /**
   * Catalogue changes are rescored per window, fanned out to the needs open when the window's first
   * change is consumed. A need scored while a window is still open may have missed that fan-out, so
   * it queues its own job for the window its catalogue was read in: changes after the read, within the
   * window, reach it once the window closes (later windows fan out to it as an open need).
   */
  private async followCatalogue(needId: string, revision: number, readAt: Date): Promise<void> {
    const windowMs = config.catalogueRescoreWindowMs;
    const job = catalogueRescoreJob(needId, revision, catalogueWindowOf(readAt, windowMs), windowMs);
    await this.scoring.add(job.name, job.data, job.opts);
  }

  async listForNeed(needId: string, parkId: string) {
    const need = await this.needs.findOne({ _id: needId, parkId }, { _id: 1, ended: 1 }).lean().exec();
    if (!need) throw notFound('need', needId);
    const ended = need.ended ? { ended: need.ended.reason } : {};
    const run = await this.latestRun(needId);
    if (!run) return { needId, status: 'scoring', ...ended, proposals: [] };
    const current = new Set(run.proposalIds);
    const proposals = (await this.proposals.find({ needId, parkId }, { outbox: 0 }).sort({ rank: 1 }).lean().exec()).filter(
      // Proposals the latest run no longer ranks stay listed only if the broker already decided on them.
      (p) => current.has(p._id) || p.status !== 'proposed',
    );
    return {
      needId,
      status: 'proposed',
      ...ended,
      revision: run.revision ?? 0,
      modelVersion: run.modelVersion,
      proposedAt: run.proposedAt,
      proposals: proposals.map(present),
    };
  }

  async accept(proposalId: string, broker: Broker) {
    const proposal = await this.findForPark(proposalId, broker.parkId);
    const need = await this.needs.findById(proposal.needId).lean().exec();
    if (!need) throw notFound('need', proposal.needId);
    if (need.ended) throw conflict(`need ${proposal.needId} was ${need.ended.reason}: its proposals can no longer be accepted`, { needStatus: need.ended.reason });
    if (!(await this.catalogue.isActive(proposal.supplyId)))
      throw conflict(`catalogue item ${proposal.supplyId} was retired: its proposals can no longer be accepted`, { supplyStatus: 'retired' });
    const event = this.outbox.stage('cn.techtransfer.match.accepted.v1', {
      needId: proposal.needId,
      proposalId,
      parkId: broker.parkId,
      brokerId: broker.subject,
      enterpriseId: need.enterpriseId,
      enterpriseName: need.enterpriseName,
      regionCode: need.regionCode,
      technicalField: need.technicalField,
      supplyId: proposal.supplyId,
      supplyKind: proposal.supplyKind,
      supplyName: proposal.supplyName,
      score: proposal.score,
      acceptedAt: new Date().toISOString(),
    });
    return this.decide(proposal, broker, { status: 'accepted' }, event);
  }

  async reject(proposalId: string, rejection: { reasonCode: RejectionReason; reason?: string }, broker: Broker) {
    const proposal = await this.findForPark(proposalId, broker.parkId);
    const reason = rejection.reason ?? REJECTION_REASONS[rejection.reasonCode];
    const event = this.outbox.stage('cn.techtransfer.match.rejected.v1', {
      needId: proposal.needId,
      proposalId,
      parkId: broker.parkId,
      brokerId: broker.subject,
      supplyId: proposal.supplyId,
      reasonCode: rejection.reasonCode,
      reason,
      rejectedAt: new Date().toISOString(),
    });
    return this.decide(proposal, broker, { status: 'rejected', rejectionCode: rejection.reasonCode, rejectionReason: reason }, event);
  }

  /** The decision and its event in one conditional update: only a still-open proposal can be decided. */
  private async decide(proposal: Proposal, broker: Broker, change: Partial<Proposal>, event: ReturnType<EventOutbox['stage']>) {
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
    return present(updated as Proposal);
  }

  /**
   * How brokers received each model version's proposals: proposed, accepted, rejected (by reason
   * code) and the acceptance rate among decided ones, so versions can be compared on real decisions.
   * Proposals recorded before versions were kept on them count under `unrecorded`.
   */
  async acceptanceByModelVersion() {
    const rows = await this.proposals
      .aggregate<{ _id: { modelVersion?: string; status: string; code?: RejectionReason }; n: number }>([
        { $group: { _id: { modelVersion: '$modelVersion', status: '$status', code: '$rejectionCode' }, n: { $sum: 1 } } },
      ])
      .exec();
    const byVersion = new Map<string, { modelVersion: string; proposed: number; accepted: number; rejected: number; rejectionsByReason: Record<string, number> }>();
    for (const { _id, n } of rows) {
      const modelVersion = _id.modelVersion ?? 'unrecorded';
      const entry = byVersion.get(modelVersion) ?? { modelVersion, proposed: 0, accepted: 0, rejected: 0, rejectionsByReason: {} };
      entry.proposed += n;
      if (_id.status === 'accepted') entry.accepted += n;
      if (_id.status === 'rejected') {
        entry.rejected += n;
        const code = _id.code ?? 'other';
        entry.rejectionsByReason[code] = (entry.rejectionsByReason[code] ?? 0) + n;
      }
      byVersion.set(modelVersion, entry);
    }
    const items = [...byVersion.values()]
      .map((v) => ({ ...v, acceptanceRate: v.accepted + v.rejected > 0 ? Math.round((v.accepted / (v.accepted + v.rejected)) * 1e4) / 1e4 : null }))
      .sort((a, b) => (a.modelVersion < b.modelVersion ? -1 : 1));
    return { items };
  }

  /** The latest run: of the newest revision or catalogue change scored, else of the need as captured. */
  private async latestRun(needId: string): Promise<MatchRun | null> {
    return (
      (await this.runs.findOne({ needId }, { outbox: 0 }).sort({ revision: -1, proposedAt: -1 }).lean().exec()) ??
      (await this.runs.findById(needId, { outbox: 0 }).lean().exec())
    );
  }

  /**
   * What brokers decided on items proposed for needs of this category and field (the latest
   * FEEDBACK_DECISIONS), each with the terms that need was matched on, so the model can weigh a decision
   * by how similar that need was. The decisions themselves are the record (each one a compare-and-set
   * on its proposal), so any number of instances read the same, and a redelivered event cannot count twice.
   */
  private async feedbackFor(need: NeedForMatching): Promise<Map<string, FeedbackDecision[]>> {
    const decided = await this.proposals
      .find(
        { needCategory: need.category, needField: need.technicalField, status: { $in: ['accepted', 'rejected'] } },
        { supplyId: 1, status: 1, rejectionCode: 1, reasons: 1 },
      )
      .sort({ decidedAt: -1 })
      .limit(FEEDBACK_DECISIONS)
      .lean()
      .exec();
    const feedback = new Map<string, FeedbackDecision[]>();
    for (const p of decided) {
      const terms = p.reasons?.find((r) => r.kind === 'terms')?.terms ?? [];
      const outcome = p.status === 'accepted' ? 'accepted' : (p.rejectionCode ?? 'other');
      const decisions = feedback.get(p.supplyId) ?? [];
      decisions.push({ outcome, terms });
      feedback.set(p.supplyId, decisions);
    }
    return feedback;
  }

  private async findForPark(proposalId: string, parkId: string): Promise<Proposal> {
    const proposal = await this.proposals.findOne({ _id: proposalId, parkId }, { outbox: 0 }).lean().exec();
    if (!proposal) throw notFound('proposal', proposalId);
    return proposal as Proposal;
  }
}

/** Deterministic, so re-scoring after a crash finds the same proposals. */
export function proposalIdOf(needId: string, supplyId: string): string {
  const h = createHash('sha256').update(`${needId}|${supplyId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function present(p: Proposal) {
  const { _id, outbox: _o, ...rest } = p;
  return { proposalId: _id, ...rest };
}

/** The need as matching scores it: the snapshot's fields that the model reads. */
export function needForMatching(need: NeedSnapshot): NeedForMatching {
  const { title, description, category, technicalField, keywords, regionCode, cooperationModes, budgetMinFen, budgetMaxFen } = need;
  const { supplyKinds, minTrl, neededWithinMonths, preferredRegionCodes, excludedRegionCodes, enterpriseQualifications, hardConstraints } = need;
  return {
    title,
    description,
    category,
    technicalField,
    keywords,
    regionCode,
    cooperationModes,
    budgetMinFen,
    budgetMaxFen,
    supplyKinds,
    minTrl,
    neededWithinMonths,
    preferredRegionCodes,
    excludedRegionCodes,
    enterpriseQualifications,
    hardConstraints,
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
