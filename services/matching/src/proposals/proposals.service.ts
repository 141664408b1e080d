import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import { EventOutbox } from '@tt/messaging';
import { conflict, notFound } from '@tt/platform';
import { CatalogueService } from '../catalogue/catalogue.service';
import { NEED_SNAPSHOT_MODEL, type NeedSnapshot } from '../needs/need-snapshot.schema';
import { latestRunOf } from './match-runs';
import { MATCH_RUN_MODEL, PROPOSAL_MODEL, type MatchRun, type Proposal } from './proposal.schema';

type Broker = { subject: string; parkId: string };

/** The broker's side of proposals: the need's list, decisions on them, and how each model version fared. */
@Injectable()
export class ProposalsService {
  constructor(
    @InjectModel(NEED_SNAPSHOT_MODEL) private readonly needs: Model<NeedSnapshot>,
    @InjectModel(MATCH_RUN_MODEL) private readonly runs: Model<MatchRun>,
    @InjectModel(PROPOSAL_MODEL) private readonly proposals: Model<Proposal>,
    private readonly catalogue: CatalogueService,
    private readonly outbox: EventOutbox,
  ) {}

  async listForNeed(needId: string, parkId: string) {
    const need = await this.needs.findOne({ _id: needId, parkId }, { _id: 1, ended: 1 }).lean().exec();
    if (!need) throw notFound('need', needId);
    const ended = need.ended ? { ended: need.ended.reason } : {};
    const run = await latestRunOf(this.runs, needId);
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

  private async findForPark(proposalId: string, parkId: string): Promise<Proposal> {
    const proposal = await this.proposals.findOne({ _id: proposalId, parkId }, { outbox: 0 }).lean().exec();
    if (!proposal) throw notFound('proposal', proposalId);
    return proposal as Proposal;
  }
}

function present(p: Proposal) {
  const { _id, outbox: _o, ...rest } = p;
  return { proposalId: _id, ...rest };
}
