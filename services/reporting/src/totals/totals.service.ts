import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';
import { upsertOnce } from '@tt/messaging';
import { FunnelService } from '../funnel/funnel.service';
import { TRANSACTION_MODEL, type Transaction } from './transaction.schema';

export interface Amounts {
  count: number;
  contractAmountFen: number;
  techTransactionAmountFen: number;
}

const DIMENSIONS = {
  byPark: 'parkId',
  byRegion: 'regionCode',
  byContractType: 'contractType',
  byTechnicalField: 'technicalField',
  byBroker: 'brokerId',
} as const;

@Injectable()
export class TotalsService {
  constructor(
    @InjectModel(TRANSACTION_MODEL) private readonly transactions: Model<Transaction>,
    private readonly funnel: FunnelService,
  ) {}

  async log(t: PayloadOf<'cn.techtransfer.transaction.logged.v1'>): Promise<void> {
    const row: Omit<Transaction, '_id'> = {
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
    await upsertOnce(this.transactions.updateOne({ _id: t.dealId }, { $setOnInsert: row }, { upsert: true }).exec());
  }

  /** Totals for a year (by registration date), with each month against the same month a year before. */
  async totals(year: number, parkId?: string) {
    const scope = parkId ? { parkId } : {};
    const thisYear = { ...scope, month: { $gte: `${year}-01`, $lte: `${year}-12` } };
    const lastYear = { ...scope, month: { $gte: `${year - 1}-01`, $lte: `${year - 1}-12` } };
    const dimensions = Object.entries(DIMENSIONS);
    const [registered, previous, byMonth, previousByMonth, funnel, ...byDimension] = await Promise.all([
      this.sumBy(thisYear, null).then((g) => g.get(null) ?? zero()),
      this.sumBy(lastYear, null).then((g) => g.get(null) ?? zero()),
      this.sumBy(thisYear, 'month'),
      this.sumBy(lastYear, 'month'),
      this.funnel.counts(parkId),
      ...dimensions.map(([, field]) => this.sumBy(thisYear, field)),
    ]);
    const previousByMonthOfYear = new Map([...previousByMonth].map(([month, amounts]) => [String(month).slice(5), amounts]));
    return {
      scope: { year, parkId: parkId ?? null, period: 'registration date', currency: 'CNY fen', funnel: 'all time' },
      registered: { ...registered, previousYear: previous, growth: growth(registered, previous) },
      byMonth: [...byMonth].map(([month, now]) => {
        const before = previousByMonthOfYear.get(String(month).slice(5)) ?? zero();
        return { month, ...now, previousYear: before, growth: growth(now, before) };
      }),
      ...Object.fromEntries(dimensions.map(([name], i) => [name, [...byDimension[i]].map(([key, amounts]) => ({ key, ...amounts }))])),
      funnel,
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

/** Year-on-year growth of the contract amount (同比), null where last year had nothing to compare with. */
function growth(now: Amounts, before: Amounts): number | null {
  if (before.contractAmountFen === 0) return null;
  return Math.round(((now.contractAmountFen - before.contractAmountFen) / before.contractAmountFen) * 10_000) / 10_000;
}
