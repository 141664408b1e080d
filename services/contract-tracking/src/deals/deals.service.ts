import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { isKnownRegionCode, regionName, registryRecord, restatementProblems, subtypeBelongsTo, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { EventOutbox, type OutboxEntry } from '@tt/messaging';
import { isDuplicateKey } from '@tt/store';
import { conflict, entityTag, FOLLOW_UP_ROOM, followUpOf, invalid, MAX_FOLLOW_UPS, notFound, preconditionFailed, type FollowUpDto, type InvalidParam } from '@tt/platform';
import type { CancelDealDto, ContractPartyDto, ListDealsQuery, RegisterContractDto, RegistrationChangeDto, RevokeRegistrationDto, SignContractDto } from './deal.dto';
import { DEAL_MODEL, DEAL_TRANSITIONS, type ContractParty, type Deal, type DealAction, type RegistrationChange } from './deal.schema';

type Broker = { subject: string; parkId: string };

@Injectable()
export class DealsService {
  constructor(
    @InjectModel(DEAL_MODEL) private readonly deals: Model<Deal>,
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
    try {
      await this.deals.create({
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
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return; // this proposal already has its deal
    }
    this.outbox.flush(this.deals, dealId);
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
    const deal = await this.get(id, broker.parkId);
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
    return this.transition(deal, 'sign', broker, { contract }, [event]);
  }

  /**
   * 认定登记: the registry's record of the contract (its classification, the parties as registered,
   * the amounts it accepted) is kept as revision 0, and the logged transaction leaves with it. The v1
   * events are published beside the v2 ones for consumers that predate the registry record.
   */
  async register(id: string, dto: RegisterContractDto, broker: Broker) {
    const deal = await this.get(id, broker.parkId);
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
    return this.transition(deal, 'register', broker, { registration }, events);
  }

  /**
   * 补正 (correction) or 变更 (amendment) of a registered contract: the record as it stands is reversed
   * and restated in one event, at the next revision. `expectedVersion` is the deal's ETag from If-Match.
   */
  async changeRegistration(id: string, kind: 'correction' | 'amendment', dto: RegistrationChangeDto, broker: Broker, expectedVersion: number | undefined) {
    const deal = await this.get(id, broker.parkId);
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
    return this.writeRegistrationChange(deal, broker, { $set: { 'registration.record': restated, 'registration.revision': revision } }, change, event);
  }

  /** 撤销登记: the registration is revoked and its transaction reversed; nothing is restated. */
  async revokeRegistration(id: string, dto: RevokeRegistrationDto, broker: Broker, expectedVersion: number | undefined) {
    const deal = await this.get(id, broker.parkId);
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
    return this.writeRegistrationChange(
      deal,
      broker,
      { $set: { status: DEAL_TRANSITIONS.revoke.to, 'registration.revision': revision, 'registration.revokedAt': at }, $push: { history: { status: 'revoked', at, by: broker.subject } } },
      change,
      event,
    );
  }

  /** One compare-and-set on the deal's version and the registration's revision, with its event. */
  private async writeRegistrationChange(deal: DealView, broker: Broker, update: { $set: object; $push?: object }, change: RegistrationChange, event: OutboxEntry) {
    const updated = (await this.deals
      .findOneAndUpdate(
        { _id: deal.dealId, parkId: broker.parkId, status: 'registered', version: deal.version, 'registration.revision': deal.registration!.revision },
        { $set: update.$set, $inc: { version: 1 }, $push: { ...update.$push, 'registration.changes': change, outbox: event } },
        { new: true, projection: { outbox: 0 } },
      )
      .lean()
      .exec()) as Deal | null;
    if (!updated) {
      const current = await this.get(deal.dealId, broker.parkId);
      if (current.status !== 'registered') throw notRegistered(current.status);
      throw preconditionFailed(current.version);
    }
    this.outbox.flush(this.deals, deal.dealId);
    return present(updated);
  }

  async cancel(id: string, dto: CancelDealDto, broker: Broker) {
    const deal = await this.get(id, broker.parkId);
    assertAllowed('cancel', deal.status);
    const cancelledAt = new Date();
    // Staged in the same guarded write as the status change: a cancel that loses a race emits nothing.
    const cancelled = this.outbox.stage('cn.techtransfer.deal.cancelled.v1', {
      ...eventContext(deal),
      stage: deal.status as 'intent' | 'signed',
      reason: dto.reason,
      cancelledAt: cancelledAt.toISOString(),
    });
    return this.transition(deal, 'cancel', broker, { cancellation: { reason: dto.reason, cancelledAt } }, [cancelled]);
  }

  /** Logs a follow-up on the deal (no event: the broker's own record; the deal's version is unchanged). */
  async logFollowUp(id: string, dto: FollowUpDto, broker: Broker) {
    const result = await this.deals.updateOne({ _id: id, parkId: broker.parkId, ...FOLLOW_UP_ROOM }, { $push: { followUps: followUpOf(dto, broker.subject) } }).exec();
    if (result.matchedCount === 0) {
      if (await this.deals.exists({ _id: id, parkId: broker.parkId })) throw conflict(`a deal keeps at most ${MAX_FOLLOW_UPS} follow-ups`, { maxFollowUps: MAX_FOLLOW_UPS });
      throw notFound('deal', id);
    }
    return this.get(id, broker.parkId);
  }

  async get(id: string, parkId: string) {
    const deal = await this.deals.findOne({ _id: id, parkId }, { outbox: 0 }).lean().exec();
    if (!deal) throw notFound('deal', id);
    return present(deal as Deal);
  }

  async list(parkId: string, query: ListDealsQuery) {
    const filter: Record<string, string> = { parkId };
    if (query.status) filter.status = query.status;
    if (query.proposalId) filter.proposalId = query.proposalId;
    if (query.needId) filter.needId = query.needId;
    const [items, total] = await Promise.all([
      this.deals.find(filter, { outbox: 0 }).sort({ createdAt: -1, _id: 1 }).skip((query.page - 1) * query.pageSize).limit(query.pageSize).lean().exec(),
      this.deals.countDocuments(filter).exec(),
    ]);
    return { items: items.map((d) => present(d as Deal)), page: query.page, pageSize: query.pageSize, total };
  }

  /**
   * Moves the deal only if it is still in a status the action starts from; the status check, the
   * change and its events are one conditional single-document update, so two racing requests
   * cannot both succeed and a transition's events are staged exactly once.
   */
  private async transition(deal: DealView, action: DealAction, broker: Broker, changes: Partial<Deal>, events: OutboxEntry[]) {
    assertAllowed(action, deal.status);
    const { to } = DEAL_TRANSITIONS[action];
    const at = new Date();
    let updated: Deal | null;
    try {
      updated = (await this.deals
        .findOneAndUpdate(
          { _id: deal.dealId, parkId: broker.parkId, status: deal.status },
          { $set: { ...changes, status: to }, $inc: { version: 1 }, $push: { history: { status: to, at, by: broker.subject }, outbox: { $each: events } } },
          { new: true, projection: { outbox: 0 } },
        )
        .lean()
        .exec()) as Deal | null;
    } catch (error) {
      // The unique registration-number index refused the write: nothing changed. The answer says
      // nothing about the contract that holds the number (it may be another park's).
      if (isDuplicateKey(error) && action === 'register') throw conflict('this registration number is already registered', { field: '/registrationNumber' });
      throw error;
    }
    if (!updated) {
      const current = await this.get(deal.dealId, broker.parkId);
      throw notAllowed(action, current.status);
    }
    if (events.length > 0) this.outbox.flush(this.deals, deal.dealId);
    return present(updated as Deal);
  }
}

/** The registered record a change starts from: 409 unless registered with a record, 412 on a stale If-Match. */
function standingRecord(deal: DealView, expectedVersion: number | undefined): RegistryRecord {
  if (deal.status !== 'registered') throw notRegistered(deal.status);
  const record = deal.registration?.record;
  if (!record) throw conflict('this contract was registered before the registry record was kept; it cannot be corrected here', { currentStatus: deal.status });
  if (expectedVersion !== undefined && expectedVersion !== deal.version) throw preconditionFailed(deal.version);
  return record;
}

function notRegistered(status: string) {
  return conflict(`a deal in status "${status}" has no standing registration to change; allowed from: registered`, { currentStatus: status });
}

/** The record checked with the registry's rules (the event's own schema): each problem a 400 at its field. */
function checkedRecord(candidate: RegistryRecord, partiesNote = ''): RegistryRecord {
  const parsed = registryRecord.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw invalid(
    parsed.error.issues.slice(0, 20).map((issue) => ({
      pointer: `/${issue.path.join('/')}`,
      reason: issue.path[0] === 'parties' ? `${partiesNote}${issue.message}` : issue.message,
    })),
  );
}

/** A party as stored and published: only the fields it has (no undefined keys in the store or the event). */
function partyOf(p: ContractPartyDto | ContractParty): ContractParty {
  return definedOnly({ role: p.role, name: p.name, nature: p.nature, creditCode: p.creditCode, regionCode: p.regionCode, countryCode: p.countryCode }) as ContractParty;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function assertAllowed(action: DealAction, status: string): void {
  if (!(DEAL_TRANSITIONS[action].from as readonly string[]).includes(status)) throw notAllowed(action, status);
}

function notAllowed(action: DealAction, status: string) {
  return conflict(`a deal in status "${status}" cannot ${action}; allowed from: ${DEAL_TRANSITIONS[action].from.join(', ')}`, {
    currentStatus: status,
  });
}

type DealView = ReturnType<typeof present>;

function present(deal: Deal) {
  const { _id, outbox: _o, version, ...rest } = deal;
  return { dealId: _id, ...rest, version: version ?? 0, etag: entityTag(version ?? 0) };
}

/** Who a deal is between and where it is counted: the context every deal event repeats. */
export function eventContext(deal: Pick<DealView, 'dealId' | 'needId' | 'parkId' | 'brokerId' | 'enterpriseId' | 'regionCode' | 'technicalField'>) {
  return {
    dealId: deal.dealId,
    needId: deal.needId,
    parkId: deal.parkId,
    brokerId: deal.brokerId,
    enterpriseId: deal.enterpriseId,
    regionCode: deal.regionCode,
    technicalField: deal.technicalField,
  };
}
