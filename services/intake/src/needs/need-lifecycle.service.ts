import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { NeedStatus } from '@tt/contracts';
import { EventOutbox } from '@tt/messaging';
import { conflict, invalid, notFound, preconditionFailed } from '@tt/platform';
import type { CloseNeedDto, ReviseNeedDto, WithdrawNeedDto } from './need.dto';
import { EnterprisesService } from '../enterprises/enterprises.service';
import { needRuleParams, optionalNeedState } from './need-fields';
import type { Need } from './need.schema';
import type { NeedView } from './need-view';
import { NeedsRepository } from './needs.repository';
import { applyDownstream, CLOSABLE_STATUSES, ENDED_STATUSES, WITHDRAWABLE_STATUSES, NO_FACTS, REVISABLE_STATUSES, statusFrom, type DownstreamEvent } from './need-status';

type Broker = { subject: string; parkId: string };
/** Compare-and-set retries when the match and deal consumers change one need at the same moment. */
const MAX_CAS_ATTEMPTS = 20;

/**
 * A need after capture: revised, withdrawn or closed by its broker, and moved along by what happens
 * downstream. Every change is one compare-and-set on the need's `version` (its ETag), carrying the
 * change's event in the same write, so nothing here depends on which instance serves the request.
 */
@Injectable()
export class NeedLifecycleService {
  constructor(
    private readonly repository: NeedsRepository,
    private readonly outbox: EventOutbox,
    private readonly enterprises: EnterprisesService,
  ) {}

  async revise(id: string, dto: ReviseNeedDto, broker: Broker, expectedVersion: number | undefined): Promise<NeedView> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined && v !== null)) as Partial<Need>;
    if (Object.keys(changes).length === 0) throw invalid([{ pointer: '', reason: 'send at least one field to change' }]);
    const need = await this.read(id, broker.parkId, expectedVersion);
    const next = { ...need, ...changes };
    // The rules hold for the need as it would stand, with its enterprise as recorded now.
    const enterprise = await this.enterprises.get(need.enterpriseId, broker.parkId);
    const problems = needRuleParams(next, enterprise.qualifications);
    if (problems.length > 0) throw invalid(problems);
    if (!REVISABLE_STATUSES.includes(need.status)) {
      throw conflict(`a need in status "${need.status}" cannot be revised; allowed from: ${REVISABLE_STATUSES.join(', ')}`, { currentStatus: need.status });
    }
    const revision = (need.revision ?? 0) + 1;
    const revised = this.outbox.stage('cn.techtransfer.need.revised.v1', {
      needId: id,
      parkId: need.parkId,
      brokerId: need.brokerId,
      revision,
      enterpriseName: enterprise.name,
      regionCode: enterprise.regionCode,
      ...(enterprise.industryCode ? { industryCode: enterprise.industryCode } : {}),
      title: next.title,
      description: next.description,
      category: next.category,
      technicalField: next.technicalField,
      keywords: next.keywords ?? [],
      ...(next.budgetMinFen !== undefined ? { budgetMinFen: next.budgetMinFen } : {}),
      ...(next.budgetMaxFen !== undefined ? { budgetMaxFen: next.budgetMaxFen } : {}),
      cooperationModes: next.cooperationModes,
      confidentiality: next.confidentiality,
      ...optionalNeedState(next, enterprise.qualifications),
      revisedAt: new Date().toISOString(),
    });
    return this.repository.write(need, { $set: { ...changes, revision } }, [revised], { statuses: REVISABLE_STATUSES });
  }

  async withdraw(id: string, dto: WithdrawNeedDto, broker: Broker, expectedVersion: number | undefined): Promise<NeedView> {
    return this.retriedUnlessConditional(expectedVersion, () => this.withdrawOnce(id, dto, broker, expectedVersion));
  }

  async close(id: string, dto: CloseNeedDto, broker: Broker, expectedVersion: number | undefined): Promise<NeedView> {
    return this.retriedUnlessConditional(expectedVersion, () => this.closeOnce(id, dto, broker, expectedVersion));
  }

  /**
   * Without If-Match the broker asks for the change whatever the version: a downstream event that
   * moved the version between the read and the write is a reason to read again, not a 412 for a
   * precondition never sent (RFC 9110). With If-Match, the 412 stands.
   */
  private async retriedUnlessConditional(expectedVersion: number | undefined, attempt: () => Promise<NeedView>): Promise<NeedView> {
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const lostRace = error instanceof HttpException && error.getStatus() === HttpStatus.PRECONDITION_FAILED;
        if (expectedVersion !== undefined || !lostRace || tries >= 10) throw error;
      }
    }
  }

  private async withdrawOnce(id: string, dto: WithdrawNeedDto, broker: Broker, expectedVersion: number | undefined): Promise<NeedView> {
    const need = await this.read(id, broker.parkId, expectedVersion);
    assertIn(need, WITHDRAWABLE_STATUSES, 'withdrawn');
    const at = new Date();
    const withdrawn = this.outbox.stage('cn.techtransfer.need.withdrawn.v1', {
      needId: id,
      parkId: need.parkId,
      brokerId: need.brokerId,
      reason: dto.reason,
      withdrawnAt: at.toISOString(),
    });
    return this.repository.write(need, { $set: { status: 'withdrawn', withdrawal: { reason: dto.reason, at, by: broker.subject } } }, [withdrawn], {
      statuses: WITHDRAWABLE_STATUSES,
      history: { status: 'withdrawn', at, cause: `withdrawn by ${broker.subject}` },
    });
  }

  private async closeOnce(id: string, dto: CloseNeedDto, broker: Broker, expectedVersion: number | undefined): Promise<NeedView> {
    const need = await this.read(id, broker.parkId, expectedVersion);
    assertIn(need, CLOSABLE_STATUSES, 'closed');
    const at = new Date();
    const closed = this.outbox.stage('cn.techtransfer.need.closed.v1', {
      needId: id,
      parkId: need.parkId,
      brokerId: need.brokerId,
      outcome: dto.outcome,
      ...(dto.note ? { note: dto.note } : {}),
      closedAt: at.toISOString(),
    });
    const closure = { outcome: dto.outcome, ...(dto.note ? { note: dto.note } : {}), at, by: broker.subject };
    return this.repository.write(need, { $set: { status: 'closed', closure } }, [closed], {
      statuses: CLOSABLE_STATUSES,
      history: { status: 'closed', at, cause: `closed (${dto.outcome}) by ${broker.subject}` },
    });
  }

  /**
   * Applies what matching or contract-tracking reported. Unknown needs are skipped (another park's
   * deployment, or a need deleted by retention); a withdrawn or closed need keeps its status but
   * still records the facts.
   */
  async applyDownstream(needId: string, event: DownstreamEvent, cause: string): Promise<void> {
    if (await this.firstProposalsApplied(needId, event, cause)) return;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const need = await this.repository.findForDownstream(needId);
      if (!need) return;
      const facts = applyDownstream(need.downstream ?? NO_FACTS, event);
      const derived = statusFrom(facts);
      const status: NeedStatus = ENDED_STATUSES.includes(need.status) ? need.status : derived;
      if (JSON.stringify(facts) === JSON.stringify(need.downstream ?? NO_FACTS) && status === need.status) return; // a redelivery
      if (await this.repository.writeDownstream(need, facts, status, status !== need.status ? { status, at: new Date(), cause } : undefined)) return;
    }
    throw new Error(`need ${needId}: too many concurrent changes, retrying the event`); // the transport retries it
  }

  /**
   * Nearly every need hears first that matching proposed for it, while it is still open with no
   * downstream facts. Then the facts and status are known without reading the need: one write,
   * conditional on exactly that state (and bumping the version, as every change does). Any other
   * need (unknown, ended, revised after proposals, or with deal facts) is left to the read-then-CAS.
   */
  private async firstProposalsApplied(needId: string, event: DownstreamEvent, cause: string): Promise<boolean> {
    if (event.kind !== 'proposed' || event.proposals === 0) return false;
    const facts = applyDownstream(NO_FACTS, event);
    const status = statusFrom(facts);
    return this.repository.writeFirstDownstream(needId, 'open', facts, status, { status, at: new Date(), cause });
  }

  private async read(id: string, parkId: string, expectedVersion: number | undefined): Promise<Need> {
    const need = await this.repository.findInPark(id, parkId);
    if (!need) throw notFound('need', id);
    if (expectedVersion !== undefined && (need.version ?? 0) !== expectedVersion) throw preconditionFailed(need.version ?? 0);
    return need;
  }
}

function assertIn(need: Need, allowed: NeedStatus[], to: NeedStatus): void {
  if (!allowed.includes(need.status)) {
    throw conflict(`a need in status "${need.status}" cannot be ${to}; allowed from: ${allowed.join(', ')}`, { currentStatus: need.status });
  }
}
