import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { PayloadOf } from '@tt/contracts';
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
    await this.transactions.updateOne({ _id: t.dealId }, { $setOnInsert: row }, { upsert: true }).exec();
  }

  /**
   * Totals for a year (by registration date), with each month against the same month a year before.
   * Summed here rather than with $group: FerretDB v1 computes only the first of several $group
   * accumulators correctly, and a year of a district's registered contracts is a few thousand rows.
   */
  async totals(year: number, parkId?: string) {
    const scope = parkId ? { parkId } : {};
    const [rows, previousRows, funnel] = await Promise.all([
      this.rowsOf({ ...scope, month: { $gte: `${year}-01`, $lte: `${year}-12` } }),
      this.rowsOf({ ...scope, month: { $gte: `${year - 1}-01`, $lte: `${year - 1}-12` } }),
      this.funnel.counts(parkId),
    ]);
    const registered = sum(rows);
    const previous = sum(previousRows);
    const previousByMonth = groupBy(previousRows, (t) => t.month.slice(5));
    return {
      scope: { year, parkId: parkId ?? null, period: 'registration date', currency: 'CNY fen', funnel: 'all time' },
      registered: { ...registered, previousYear: previous, growth: growth(registered, previous) },
      byMonth: [...groupBy(rows, (t) => t.month)].map(([month, now]) => {
        const before = previousByMonth.get(month.slice(5)) ?? zero();
        return { month, ...now, previousYear: before, growth: growth(now, before) };
      }),
      ...Object.fromEntries(
        Object.entries(DIMENSIONS).map(([name, field]) => [name, [...groupBy(rows, (t) => t[field])].map(([key, a]) => ({ key, ...a }))]),
      ),
      funnel,
    };
  }

  private rowsOf(filter: object): Promise<Transaction[]> {
    return this.transactions.find(filter).lean().exec() as Promise<Transaction[]>;
  }
}

function sum(rows: Transaction[]): Amounts {
  const total = zero();
  for (const t of rows) add(total, t);
  return total;
}

function add(total: Amounts, t: Transaction): void {
  total.count += 1;
  total.contractAmountFen += t.contractAmountFen;
  total.techTransactionAmountFen += t.techTransactionAmountFen;
}

/** Amounts per key, keys in ascending order. */
function groupBy(rows: Transaction[], keyOf: (t: Transaction) => string): Map<string, Amounts> {
  const groups = new Map<string, Amounts>();
  for (const t of rows) {
    const key = keyOf(t);
    if (!groups.has(key)) groups.set(key, zero());
    add(groups.get(key)!, t);
  }
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const zero = (): Amounts => ({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });

/** Year-on-year growth of the contract amount (同比), null where last year had nothing to compare with. */
function growth(now: Amounts, before: Amounts): number | null {
  if (before.contractAmountFen === 0) return null;
  return Math.round(((now.contractAmountFen - before.contractAmountFen) / before.contractAmountFen) * 10_000) / 10_000;
}
