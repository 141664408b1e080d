import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isKnownRegionCode, regionName, restatementProblems, subtypeBelongsTo, type PayloadOf } from '@tt/contracts';
import { EventOutbox } from '@tt/messaging';
import { conflict, invalid, type FollowUpDto, type InvalidParam } from '@tt/platform';
import type { CancelDealDto, ListDealsQuery, RegisterContractDto, RegistrationChangeDto, RevokeRegistrationDto, SignContractDto } from './deal.dto';
import { DEAL_TRANSITIONS, type Deal, type RegistrationChange } from './deal.schema';
import { assertAllowed, checkedRecord, definedOnly, partyOf, standingRecord } from './deal-rules';
import { eventContext } from './deal-view';
import { DealsRepository } from './deals.repository';

type Broker = { subject: string; parkId: string };

/** The deal's use cases: from match accepted to a registered contract, and the registration's changes. */
@Injectable()
export class DealsService {
  constructor(
    private readonly repository: DealsRepository,
    private readonly outbox: EventOutbox,
  ) {}

  /** From match accepted. The unique proposalId makes a redelivery a no-op. */
  async open(accepted: PayloadOf<'cn.techtransfer.match.accepted.v1'>): Promise<void> {
    const dealId = randomUUID();
    const openedAt = new Date();
    const context = {
      dealId,
      needId: accepted.needId,
      parkId: accepted.parkId,
      brokerId: accepted.brokerId,
      enterpriseId: accepted.enterpriseId,
      regionCode: accepted.regionCode,
      technicalField: accepted.technicalField,
    };
    const opened = this.outbox.stage('cn.techtransfer.deal.opened.v1', {
      ...context,
      proposalId: accepted.proposalId,
      supplyId: accepted.supplyId,
      supplyKind: accepted.supplyKind,
      supplyName: accepted.supplyName,
      openedAt: openedAt.toISOString(),
    });
    const deal: Deal = {
      _id: dealId,
      proposalId: accepted.proposalId,
      needId: accepted.needId,
      parkId: accepted.parkId,
      brokerId: accepted.brokerId,
      enterpriseId: accepted.enterpriseId,
      enterpriseName: accepted.enterpriseName,
      regionCode: accepted.regionCode,
      technicalField: accepted.technicalField,
      supplyId: accepted.supplyId,
      supplyKind: accepted.supplyKind,
      supplyName: accepted.supplyName,
      status: 'intent',
      version: 0,
      history: [{ status: 'intent', at: openedAt, by: accepted.brokerId }],
      outbox: [opened],
    } as Deal;
    await this.repository.insertOpened(deal); // a redelivered match accepted finds the proposal's deal and adds nothing
  }

  async sign(id: string, dto: SignContractDto, broker: Broker) {
    if (dto.techTransactionAmountFen > dto.contractAmountFen) {
      throw invalid([{ pointer: '/techTransactionAmountFen', reason: 'the technology transaction amount must not exceed the contract amount' }]);
    }
    if (!dto.parties.some((p) => p.role === 'buyer') || !dto.parties.some((p) => p.role === 'seller')) {
      throw invalid([{ pointer: '/parties', reason: 'a technology contract needs at least a buyer and a seller' }]);
    }
    if (!subtypeBelongsTo(dto.contractSubtype, dto.contractType)) {
      throw invalid([{ pointer: '/contractSubtype', reason: `${dto.contractSubtype} is not a subtype of ${dto.contractType}` }]);
    }
    const deal = await this.repository.get(id, broker.parkId);
    const signedAt = new Date();
    const contract = {
      type: dto.contractType,
      subtype: dto.contractSubtype,
      parties: dto.parties.map(partyOf),
      signedOn: dto.signedOn,
      contractAmountFen: dto.contractAmountFen,
      techTransactionAmountFen: dto.techTransactionAmountFen,
      signedAt,
    };
    const event = this.outbox.stage('cn.techtransfer.contract.signed.v1', {
      ...eventContext(deal),
      contractType: contract.type,
      parties: contract.parties.map((p) => ({ role: p.role, name: p.name })),
      signedOn: contract.signedOn,
      contractAmountFen: contract.contractAmountFen,
      techTransactionAmountFen: contract.techTransactionAmountFen,
      signedAt: signedAt.toISOString(),
    });
    return this.repository.transition(deal, 'sign', broker, { contract }, [event]);
  }

  /**
   * 认定登记: the registry's record of the contract (its classification, the parties as registered,
   * the amounts it accepted) is kept as revision 0, and the logged transaction leaves with it. The v1
   * events are published beside the v2 ones for consumers that predate the registry record.
   */
  async register(id: string, dto: RegisterContractDto, broker: Broker) {
    const deal = await this.repository.get(id, broker.parkId);
    assertAllowed('register', deal.status);
    const contract = deal.contract!; // a signed deal always has its contract
    if (dto.registeredOn < contract.signedOn) {
      throw invalid([{ pointer: '/registeredOn', reason: `registration cannot precede signing (${contract.signedOn})` }]);
    }
    const officeRegion = dto.registrationNumber.slice(4, 10);
    const problems: InvalidParam[] = [];
    if (dto.registrationNumber.slice(0, 4) !== dto.registeredOn.slice(0, 4))
      problems.push({ pointer: '/registrationNumber', reason: `a number issued in ${dto.registeredOn.slice(0, 4)} starts with that year` });
    if (!isKnownRegionCode(officeRegion))
      problems.push({ pointer: '/registrationNumber', reason: `digits 5 to 10 (${officeRegion}) must be the registering office's GB/T 2260 region code` });
    if (problems.length > 0) throw invalid(problems);
    const record = checkedRecord(
      {
        registrationNumber: dto.registrationNumber,
        registryOffice: { regionCode: officeRegion, name: dto.registryOfficeName ?? `${regionName(officeRegion)}技术合同登记机构` },
        registeredOn: dto.registeredOn,
        signedOn: contract.signedOn,
        contractType: contract.type,
        contractSubtype: dto.contractSubtype ?? contract.subtype!,
        parties: (dto.parties ?? contract.parties).map(partyOf),
        registryTechnicalField: dto.registryTechnicalField,
        ipType: dto.ipType,
        socioeconomicObjective: dto.socioeconomicObjective,
        contractAmountFen: dto.contractAmountFen ?? contract.contractAmountFen,
        techTransactionAmountFen: dto.techTransactionAmountFen ?? contract.techTransactionAmountFen,
      },
      dto.parties ? '' : '(as signed) ',
    );
    const registeredAt = new Date();
    const context = eventContext(deal);
    const transaction = { ...context, transactionId: deal.dealId, supplyId: deal.supplyId };
    const events = [
      this.outbox.stage('cn.techtransfer.contract.registered.v1', {
        ...context,
        registrationNumber: record.registrationNumber,
        registeredOn: record.registeredOn,
        registeredAt: registeredAt.toISOString(),
      }),
      this.outbox.stage('cn.techtransfer.contract.registered.v2', { ...context, record, registeredAt: registeredAt.toISOString() }),
      // The logged transaction leaves with the registration, in the same write: exactly once.
      this.outbox.stage('cn.techtransfer.transaction.logged.v1', {
        ...transaction,
        contractType: record.contractType,
        registrationNumber: record.registrationNumber,
        signedOn: record.signedOn,
        registeredOn: record.registeredOn,
        contractAmountFen: record.contractAmountFen,
        techTransactionAmountFen: record.techTransactionAmountFen,
        loggedAt: registeredAt.toISOString(),
      }),
      this.outbox.stage('cn.techtransfer.transaction.logged.v2', {
        ...transaction,
        revision: 0,
        supplyKind: deal.supplyKind,
        record,
        loggedAt: registeredAt.toISOString(),
      }),
    ];
    const registration = { number: record.registrationNumber, registeredOn: record.registeredOn, registeredAt, record, revision: 0, changes: [] };
    return this.repository.transition(deal, 'register', broker, { registration }, events);
  }

  /**
   * 补正 (correction) or 变更 (amendment) of a registered contract: the record as it stands is reversed
   * and restated in one event, at the next revision. `expectedVersion` is the deal's ETag from If-Match.
   */
  async changeRegistration(id: string, kind: 'correction' | 'amendment', dto: RegistrationChangeDto, broker: Broker, expectedVersion: number | undefined) {
    const deal = await this.repository.get(id, broker.parkId);
    const stands = standingRecord(deal, expectedVersion);
    const { reason, ...changes } = dto;
    const restated = checkedRecord({ ...stands, ...definedOnly(changes), parties: (changes.parties ?? stands.parties).map(partyOf) });
    // The same rule reporting applies before it counts the change: what one accepts, the other accepts.
    const problems = restatementProblems(kind, stands, restated, deal.contract);
    if (problems.length > 0) throw invalid(problems.map(({ field, problem }) => ({ pointer: field ? `/${field}` : '', reason: problem })));
    const revision = deal.registration!.revision + 1;
    const at = new Date();
    const event = this.outbox.stage(kind === 'correction' ? 'cn.techtransfer.transaction.corrected.v1' : 'cn.techtransfer.transaction.amended.v1', {
      ...eventContext(deal),
      transactionId: deal.dealId,
      revision,
      reverses: stands,
      restates: restated,
      reason,
      at: at.toISOString(),
    });
    const change: RegistrationChange = { kind, revision, reason, at, by: broker.subject };
    return this.repository.writeRegistrationChange(deal, broker, { $set: { 'registration.record': restated, 'registration.revision': revision } }, change, event);
  }

  /** 撤销登记: the registration is revoked and its transaction reversed; nothing is restated. */
  async revokeRegistration(id: string, dto: RevokeRegistrationDto, broker: Broker, expectedVersion: number | undefined) {
    const deal = await this.repository.get(id, broker.parkId);
    const stands = standingRecord(deal, expectedVersion);
    const revision = deal.registration!.revision + 1;
    const at = new Date();
    const event = this.outbox.stage('cn.techtransfer.transaction.revoked.v1', {
      ...eventContext(deal),
      transactionId: deal.dealId,
      revision,
      reverses: stands,
      reason: dto.reason,
      at: at.toISOString(),
    });
    const change: RegistrationChange = { kind: 'revocation', revision, reason: dto.reason, at, by: broker.subject };
    return this.repository.writeRegistrationChange(
      deal,
      broker,
      { $set: { status: DEAL_TRANSITIONS.revoke.to, 'registration.revision': revision, 'registration.revokedAt': at }, $push: { history: { status: 'revoked', at, by: broker.subject } } },
      change,
      event,
    );
  }

  async cancel(id: string, dto: CancelDealDto, broker: Broker) {
    const deal = await this.repository.get(id, broker.parkId);
    assertAllowed('cancel', deal.status);
    const cancelledAt = new Date();
    // Staged in the same guarded write as the status change: a cancel that loses a race emits nothing.
    const cancelled = this.outbox.stage('cn.techtransfer.deal.cancelled.v1', {
      ...eventContext(deal),
      stage: deal.status as 'intent' | 'signed',
      reason: dto.reason,
      cancelledAt: cancelledAt.toISOString(),
    });
    return this.repository.transition(deal, 'cancel', broker, { cancellation: { reason: dto.reason, cancelledAt } }, [cancelled]);
  }

  get(id: string, parkId: string) {
    return this.repository.get(id, parkId);
  }

  list(parkId: string, query: ListDealsQuery) {
    return this.repository.list(parkId, query);
  }

  /** Logs a follow-up on the deal (no event: the broker's own record; the deal's version is unchanged). */
  logFollowUp(id: string, dto: FollowUpDto, broker: Broker) {
    return this.repository.logFollowUp(id, dto, broker);
  }
}
