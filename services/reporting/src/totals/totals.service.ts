import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { provinceCodeOf, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { EventRejectedError } from '@tt/messaging';
import { upsertOnce } from '@tt/store';
import { judgeChange, type ChangeKind, type HeldDeal } from './change-rules';
import { DIMENSIONS, labelOf, type Dimension } from './dimensions';
import { FunnelService } from '../funnel/funnel.service';
import { TRANSACTION_MODEL, type Transaction } from './transaction.schema';

export type TotalsReport = Awaited<ReturnType<TotalsService['totals']>>;

export interface BreakdownRow extends Amounts {
  key: string | null;
  label: string;
}

export interface Amounts {
  count: number;
  contractAmountFen: number;
  techTransactionAmountFen: number;
}

type LoggedV1 = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
type LoggedV2 = PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
type Restated = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
type Revoked = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;

/** Contracts as they stand: a revoked registration counts nowhere. */
const STANDING = { status: { $ne: 'revoked' } };

@Injectable()
export class TotalsService {
  constructor(
    @InjectModel(TRANSACTION_MODEL) private readonly transactions: Model<Transaction>,
    private readonly funnel: FunnelService,
  ) {}

  /** transaction logged v1: the row with the figures as registered, at revision 0. */
  async log(t: LoggedV1): Promise<void> {
    await upsertOnce(this.transactions.updateOne({ _id: t.dealId }, { $setOnInsert: { ...rowOf(t), revision: 0 } }, { upsert: true }).exec());
  }

  /**
   * transaction logged v2 (after v1 for the same deal): the same row, with the registry's record and
   * the fields its tables group by. Only a row still at revision 0 takes it, so a redelivery after a
   * correction changes nothing (the upsert meets the row's `_id` at a later revision and stops).
   */
  async logWithRecord(t: LoggedV2): Promise<void> {
    const { record } = t;
    const base = rowOf({ ...t, ...record });
    const { contractAmountFen, techTransactionAmountFen, ...insertOnly } = base;
    await upsertOnce(
      this.transactions
        .updateOne(
          { _id: t.dealId, revision: 0 },
          { $set: { contractAmountFen, techTransactionAmountFen, ...registryFields(record) }, $setOnInsert: insertOnly },
          { upsert: true },
        )
        .exec(),
    );
  }

  /** 补正 / 变更: the row is restated at the event's revision, if the event is one contract-tracking would publish (see change-rules). */
  async restate(t: Restated, kind: 'correction' | 'amendment', deal: HeldDeal | null): Promise<void> {
    const { restates } = t;
    await this.applyChange(t, kind, deal, {
      contractAmountFen: restates.contractAmountFen,
      techTransactionAmountFen: restates.techTransactionAmountFen,
      ...registryFields(restates),
    });
  }

  /** 撤销: the row stays, revoked, and totals leave it out. */
  async revoke(t: Revoked, deal: HeldDeal | null): Promise<void> {
    await this.applyChange(t, 'revocation', deal, { status: 'revoked', revokedAt: new Date(t.at) });
  }

  /**
   * Events of one deal arrive in order (one key, one partition), so a change meets the row at the
   * revision before its own. `judgeChange` decides: the very change already held at its revision is a
   * redelivery (no-op); one that does not follow the held revision, or whose content is not what
   * contract-tracking would publish, is refused (dead-lettered `rejected`), so the totals never move
   * on it. The write is conditional on the revision read, and records the change's fingerprint.
   */
  private async applyChange(t: Restated | Revoked, kind: ChangeKind, deal: HeldDeal | null, changes: object): Promise<void> {
    const row = await this.transactions.findById(t.dealId).lean().exec();
    const judged = judgeChange(kind, t, row, deal);
    if (judged.verdict === 'redelivery') return;
    if (judged.verdict === 'reject') throw new EventRejectedError(judged.reason);
    const change = { kind, revision: t.revision, reason: t.reason, at: new Date(t.at), fingerprint: judged.fingerprint };
    const written = await this.transactions.updateOne({ _id: t.dealId, revision: row!.revision }, { $set: { ...changes, revision: t.revision }, $push: { changes: change } }).exec();
    // Another change landed since the read (this one on another instance, or a racing one): judge again against it.
    if (written.matchedCount === 0) return this.applyChange(t, kind, deal, changes);
  }

  /**
   * Totals for a year (by registration date) over the contracts as they stand: each month with the
   * same month a year before (同比), the month before (环比), and the year to date (累计) with its 同比.
   */
  async totals(year: number, parkId?: string) {
    const scope = parkId ? { parkId, ...STANDING } : STANDING;
    const inYear = (y: number) => ({ ...scope, month: { $gte: `${y}-01`, $lte: `${y}-12` } });
    const dimensions = Object.entries(DIMENSIONS) as [Dimension, (typeof DIMENSIONS)[Dimension]][];
    const [registered, previous, byMonth, previousByMonth, funnel, funnelByCohort, ...byDimension] = await Promise.all([
      this.sumBy(inYear(year), null).then((g) => g.get(null) ?? zero()),
      this.sumBy(inYear(year - 1), null).then((g) => g.get(null) ?? zero()),
      this.sumBy(inYear(year), 'month'),
      this.sumBy(inYear(year - 1), 'month'),
      this.funnel.counts(parkId),
      this.funnel.cohorts(year, parkId),
      ...dimensions.map(([, { field }]) => this.sumBy(inYear(year), field)),
    ]);
    const amountsIn = (groups: Map<string | null, Amounts>, month: string) => groups.get(month) ?? zero();
    const lastMonth = Math.max(0, ...[...byMonth.keys()].map((m) => Number(String(m).slice(5))));
    let yearToDate = zero();
    let previousYearToDate = zero();
    const months = Array.from({ length: lastMonth }, (_, i) => String(i + 1).padStart(2, '0')).map((mm) => {
      const now = amountsIn(byMonth, `${year}-${mm}`);
      const sameMonthLastYear = amountsIn(previousByMonth, `${year - 1}-${mm}`);
      const monthBefore = mm === '01' ? amountsIn(previousByMonth, `${year - 1}-12`) : amountsIn(byMonth, `${year}-${String(Number(mm) - 1).padStart(2, '0')}`);
      yearToDate = add(yearToDate, now);
      previousYearToDate = add(previousYearToDate, sameMonthLastYear);
      return {
        month: `${year}-${mm}`,
        ...now,
        previousYear: sameMonthLastYear,
        growth: growth(now, sameMonthLastYear),
        monthOnMonth: growth(now, monthBefore),
        yearToDate,
        yearToDateGrowth: growth(yearToDate, previousYearToDate),
      };
    });
    return {
      scope: { year, parkId: parkId ?? null, period: 'registration date', currency: 'CNY fen', funnel: 'all time', contracts: 'as they stand (corrections applied, revoked left out)' },
      registered: { ...registered, previousYear: previous, growth: growth(registered, previous) },
      byMonth: months,
      ...(Object.fromEntries(
        dimensions.map(([name], i) => [name, [...byDimension[i]].map(([key, amounts]) => ({ key, label: labelOf(name, key), ...amounts }))]),
      ) as Record<Dimension, BreakdownRow[]>),
      funnel,
      funnelByCohort,
    };
  }

  /** Count and amounts per value of `field` (or over everything, with null), keys in ascending order. */
  private async sumBy(filter: object, field: string | null): Promise<Map<string | null, Amounts>> {
    const groups = await this.transactions
      .aggregate<{ _id: string | null } & Amounts>([
        { $match: filter },
        {
          $group: {
            _id: field ? `$${field}` : null,
            count: { $sum: 1 },
            contractAmountFen: { $sum: '$contractAmountFen' },
            techTransactionAmountFen: { $sum: '$techTransactionAmountFen' },
          },
        },
        { $sort: { _id: 1 } },
      ])
      .exec();
    return new Map(groups.map(({ _id, count, contractAmountFen, techTransactionAmountFen }) => [_id, { count, contractAmountFen, techTransactionAmountFen }]));
  }
}

const zero = (): Amounts => ({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });
const add = (a: Amounts, b: Amounts): Amounts => ({
  count: a.count + b.count,
  contractAmountFen: a.contractAmountFen + b.contractAmountFen,
  techTransactionAmountFen: a.techTransactionAmountFen + b.techTransactionAmountFen,
});

/** Growth of the contract amount against a base (同比, 环比), null where the base had nothing to compare with. */
function growth(now: Amounts, before: Amounts): number | null {
  if (before.contractAmountFen === 0) return null;
  return Math.round(((now.contractAmountFen - before.contractAmountFen) / before.contractAmountFen) * 10_000) / 10_000;
}

function rowOf(t: Omit<LoggedV1, 'loggedAt'> & { loggedAt: string }): Omit<Transaction, '_id' | 'revision'> {
  return {
    transactionId: t.transactionId,
    needId: t.needId,
    parkId: t.parkId,
    regionCode: t.regionCode,
    technicalField: t.technicalField,
    contractType: t.contractType,
    brokerId: t.brokerId,
    registrationNumber: t.registrationNumber,
    registeredOn: t.registeredOn,
    month: t.registeredOn.slice(0, 7),
    contractAmountFen: t.contractAmountFen,
    techTransactionAmountFen: t.techTransactionAmountFen,
    loggedAt: new Date(t.loggedAt),
    recordedAt: new Date(),
  };
}

/** The registry's fields a row is grouped by, from its record as it stands. */
function registryFields(record: RegistryRecord) {
  const seller = record.parties.find((p) => p.role === 'seller')!;
  const buyer = record.parties.find((p) => p.role === 'buyer')!;
  return {
    record,
    contractSubtype: record.contractSubtype,
    registryTechnicalField: record.registryTechnicalField,
    ipType: record.ipType,
    socioeconomicObjective: record.socioeconomicObjective,
    sellerNature: seller.nature,
    buyerNature: buyer.nature,
    outputRegion: regionOfParty(seller),
    absorptionRegion: regionOfParty(buyer),
  };
}

/** A party's province (技术输出/吸纳 are tabled by province), or `overseas-XX` for a party abroad. */
function regionOfParty(p: RegistryRecord['parties'][number]): string {
  return p.regionCode ? provinceCodeOf(p.regionCode) : `overseas-${p.countryCode}`;
}
