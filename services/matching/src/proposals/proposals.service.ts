import { Injectable } from '@nestjs/common';
import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import { EventOutbox } from '@tt/messaging';
import { conflict, notFound } from '@tt/platform';
import { CatalogueService } from '../catalogue/catalogue.service';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import type { Proposal } from './proposal.schema';
import { ProposalsRepository } from './proposals.repository';

type Broker = { subject: string; parkId: string };

/** The broker's side of proposals: the need's list, decisions on them, and how each model version fared. */
@Injectable()
export class ProposalsService {
  constructor(
    private readonly needs: NeedSnapshotsRepository,
    private readonly proposals: ProposalsRepository,
    private readonly catalogue: CatalogueService,
    private readonly outbox: EventOutbox,
  ) {}

  async listForNeed(needId: string, parkId: string) {
    const need = await this.needs.endOf(needId, parkId);
    const ended = need.ended ? { ended: need.ended.reason } : {};
    const run = await this.proposals.latestRunOf(needId);
    if (!run) return { needId, status: 'scoring', ...ended, proposals: [] };
    const current = new Set(run.proposalIds);
    const proposals = (await this.proposals.ofNeed(needId, parkId)).filter(
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
    const proposal = await this.proposals.findForPark(proposalId, broker.parkId);
    const need = await this.needs.find(proposal.needId);
    if (!need) throw notFound('need', proposal.needId);
    if (need.ended) throw conflict(`need ${proposal.needId} was ${need.ended.reason}: its proposals can no longer be accepted`, { needStatus: need.ended.reason });
    // A re-score (a revision, a catalogue change) that no longer ranks it took it off the broker's list.
    if (!(await this.proposals.isCurrent(proposal)))
      throw conflict(`proposal ${proposalId} is no longer among the need's current proposals (re-scored since)`, { proposalStatus: 'superseded' });
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
    return present(await this.proposals.decide(proposal, broker, { status: 'accepted' }, event));
  }

  async reject(proposalId: string, rejection: { reasonCode: RejectionReason; reason?: string }, broker: Broker) {
    const proposal = await this.proposals.findForPark(proposalId, broker.parkId);
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
    return present(await this.proposals.decide(proposal, broker, { status: 'rejected', rejectionCode: rejection.reasonCode, rejectionReason: reason }, event));
  }

  /**
   * How brokers received each model version's proposals: proposed, accepted, rejected (by reason
   * code) and the acceptance rate among decided ones, so versions can be compared on real decisions.
   * Proposals recorded before versions were kept on them count under `unrecorded`.
   */
  async acceptanceByModelVersion() {
    const rows = await this.proposals.acceptanceRows();
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
}

function present(p: Proposal) {
  const { _id, outbox: _o, ...rest } = p;
  return { proposalId: _id, ...rest };
}
