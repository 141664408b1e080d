import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { createHash } from 'node:crypto';
import type { Model } from 'mongoose';
import type { Queue } from 'bullmq';
import { EventOutbox } from '@tt/messaging';
import { CatalogueService } from '../catalogue/catalogue.service';
import { config } from '../config';
import type { NeedSnapshot } from '../needs/need-snapshot.schema';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import { MODEL_VERSION } from '../scoring/model-params';
import type { FeedbackDecision, NeedForMatching } from '../scoring/scoring.types';
import { CATALOGUE_FANOUT_MODEL, type CatalogueFanout } from './catalogue-fanout.schema';
import type { Proposal } from './proposal.schema';
import { ProposalsRepository } from './proposals.repository';
import { catalogueRescoreJob, catalogueWindowOf, SCORING_QUEUE, scoringJobId, type CatalogueTrigger, type ScoringJob } from './scoring.queue';

/**
 * The scoring job's use case: one revision of a need against the active catalogue, recorded as a run
 * (with its match proposed event) and its proposals, then followed for catalogue changes.
 */
@Injectable()
export class NeedScoringService {
  constructor(
    private readonly needs: NeedSnapshotsRepository,
    private readonly proposals: ProposalsRepository,
    private readonly catalogue: CatalogueService,
    private readonly outbox: EventOutbox,
    @InjectQueue(SCORING_QUEUE) private readonly scoring: Queue<ScoringJob>,
    @InjectModel(CATALOGUE_FANOUT_MODEL) private readonly fanouts: Model<CatalogueFanout>,
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
    // The three reads a job starts with do not depend on each other: one round trip of waiting, not three.
    // (A retried job reads a need and a catalogue it then does not use: rare, and harmless.)
    // The model as of `modelReadAt`, a time at or before its catalogue read, as the window logic needs.
    const [done, need, { relevance: model, readAt: modelReadAt }] = await Promise.all([this.proposals.findRun(runId), this.needs.find(needId), this.catalogue.freshModel()]);
    if (done) {
      if (!trigger) await this.finishScoring(needId, revision, done.modelReadAt ?? new Date()); // a retry after a crash before these were done
      return;
    }
    if (!need) throw new Error(`need ${needId} has no snapshot yet`);
    if (need.ended || (need.revision ?? 0) > revision) return;
    if ((need.revision ?? 0) < revision) throw new Error(`need ${needId} revision ${revision} not applied yet`); // retried
    const forMatching = needForMatching(need);
    const ranked = await model.rank(forMatching, {
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
      const latest = await this.proposals.latestRunOf(needId);
      if (latest && sameList(latest.proposalIds, proposals.map((p) => p._id))) return; // nothing new for this need
    }
    await this.proposals.upsertProposed(proposals); // a supply proposed again keeps its proposal and any decision on it
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
    // Keyed by need and revision: a run an earlier attempt recorded is kept, and its events flushed again.
    await this.proposals.insertRun({
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
    if (!trigger) await this.finishScoring(needId, revision, modelReadAt);
  }

  /** After a revision's run is recorded: the unscored sweep stops looking at it, and it follows the catalogue (independent writes, at once). */
  private async finishScoring(needId: string, revision: number, modelReadAt: Date): Promise<void> {
    await Promise.all([this.needs.markScored(needId, revision), this.followCatalogue(needId, revision, modelReadAt)]);
  }

  /**
   * Catalogue changes are rescored per window, fanned out to the needs open when the window's first
   * change is consumed. A need scored after that fan-out began may have been read past, so it queues
   * its own job for the window its catalogue was read in: changes after the read, within the window,
   * reach it once the window closes (later windows fan out to it as an open need). If no fan-out of the
   * window has begun by now (checked after the read, and after the need's snapshot was written), any
   * change of the window after the read will start one later, and that one reads this need as open:
   * no job is needed, and a quiet catalogue costs no second scoring per need.
   */
  private async followCatalogue(needId: string, revision: number, readAt: Date): Promise<void> {
    const windowMs = config.catalogueRescoreWindowMs;
    const window = catalogueWindowOf(readAt, windowMs);
    if (!(await this.fanouts.exists({ _id: window }))) return;
    const job = catalogueRescoreJob(needId, revision, window, windowMs);
    await this.scoring.add(job.name, job.data, job.opts);
  }

  /**
   * What brokers decided on items proposed for needs of this category and field (the latest
   * FEEDBACK_KEPT), each with the terms that need was matched on, so the model can weigh a decision by
   * how similar that need was. Read from the (category, field)'s feedback document, where each decision
   * is added once after its compare-and-set on the proposal, so any number of instances read the same.
   * (Decisions made before these documents were kept are added once, at start: see seedFeedbackFromProposals.)
   */
  private async feedbackFor(need: NeedForMatching): Promise<Map<string, FeedbackDecision[]>> {
    const decided = await this.proposals.feedbackOf(need.category, need.technicalField);
    const feedback = new Map<string, FeedbackDecision[]>();
    for (let i = decided.length - 1; i >= 0; i--) {
      const { supplyId, outcome, terms } = decided[i]; // newest first
      const decisions = feedback.get(supplyId) ?? [];
      decisions.push({ outcome, terms });
      feedback.set(supplyId, decisions);
    }
    return feedback;
  }
}

/** Deterministic, so re-scoring after a crash finds the same proposals. */
export function proposalIdOf(needId: string, supplyId: string): string {
  const h = createHash('sha256').update(`${needId}|${supplyId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
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
