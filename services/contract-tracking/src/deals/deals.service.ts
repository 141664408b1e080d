import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';
import { EventOutbox, isDuplicateKey, type OutboxEntry } from '@tt/messaging';
import { conflict, invalid, notFound } from '@tt/platform';
import type { CancelDealDto, ListDealsQuery, RegisterContractDto, SignContractDto } from './deal.dto';
import { DEAL_MODEL, DEAL_TRANSITIONS, type Deal, type DealAction } from './deal.schema';

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
    const deal = await this.get(id, broker.parkId);
    const signedAt = new Date();
    const contract = {
      type: dto.contractType,
      parties: dto.parties.map((p) => ({ role: p.role, name: p.name })),
      signedOn: dto.signedOn,
      contractAmountFen: dto.contractAmountFen,
      techTransactionAmountFen: dto.techTransactionAmountFen,
      signedAt,
    };
    const event = this.outbox.stage('cn.techtransfer.contract.signed.v1', {
      ...eventContext(deal),
      contractType: contract.type,
      parties: contract.parties,
      signedOn: contract.signedOn,
      contractAmountFen: contract.contractAmountFen,
      techTransactionAmountFen: contract.techTransactionAmountFen,
      signedAt: signedAt.toISOString(),
    });
    return this.transition(deal, 'sign', broker, { contract }, [event]);
  }

  async register(id: string, dto: RegisterContractDto, broker: Broker) {
    const deal = await this.get(id, broker.parkId);
    assertAllowed('register', deal.status);
    const contract = deal.contract!; // a signed deal always has its contract
    if (dto.registeredOn < contract.signedOn) {
      throw invalid([{ pointer: '/registeredOn', reason: `registration cannot precede signing (${contract.signedOn})` }]);
    }
    const registeredAt = new Date();
    const events = [
      this.outbox.stage('cn.techtransfer.contract.registered.v1', {
        ...eventContext(deal),
        registrationNumber: dto.registrationNumber,
        registeredOn: dto.registeredOn,
        registeredAt: registeredAt.toISOString(),
      }),
      // The logged transaction leaves with the registration, in the same write: exactly once.
      this.outbox.stage('cn.techtransfer.transaction.logged.v1', {
        ...eventContext(deal),
        transactionId: deal.dealId,
        supplyId: deal.supplyId,
        contractType: contract.type,
        registrationNumber: dto.registrationNumber,
        signedOn: contract.signedOn,
        registeredOn: dto.registeredOn,
        contractAmountFen: contract.contractAmountFen,
        techTransactionAmountFen: contract.techTransactionAmountFen,
        loggedAt: registeredAt.toISOString(),
      }),
    ];
    return this.transition(deal, 'register', broker, { registration: { number: dto.registrationNumber, registeredOn: dto.registeredOn, registeredAt } }, events);
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
          { $set: { ...changes, status: to }, $push: { history: { status: to, at, by: broker.subject }, outbox: { $each: events } } },
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
  const { _id, outbox: _o, ...rest } = deal;
  return { dealId: _id, ...rest };
}

function eventContext(deal: DealView) {
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
