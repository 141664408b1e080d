import { Injectable } from '@nestjs/common';
import { DIMENSIONS, labelOf, type Dimension } from './dimensions';
import { FunnelService } from '../funnel/funnel.service';
import { zero, type Amounts } from './rollup';
import { TransactionsRepository } from './transactions.repository';

export type TotalsReport = Awaited<ReturnType<TotalsQueries['totals']>>;

export interface BreakdownRow extends Amounts {
  key: string | null;
  label: string;
}

export type { Amounts };

/** The totals' queries: read from the roll-ups (kept by the transactions' writes, see transactions.repository.ts) and the funnel. */
@Injectable()
export class TotalsQueries {
  constructor(
    private readonly repository: TransactionsRepository,
    private readonly funnel: FunnelService,
  ) {}

  /**
   * Totals for a year (by registration date) over the contracts as they stand: each month with the
   * same month a year before (同比), the month before (环比), and the year to date (累计) with its 同比.
   */
  async totals(year: number, parkId?: string) {
    const [sums, funnel, funnelByCohort] = await Promise.all([
      this.repository.rolledUp(year, parkId),
      this.funnel.counts(parkId),
      this.funnel.cohorts(year, parkId),
    ]);
    return totalsReport(year, parkId, sums, funnel, funnelByCohort);
  }
}

/** What the roll-ups (or any other source) sum up for a year: the figures the report is made of. */
export interface YearSums {
  registered: Amounts;
  previous: Amounts;
  byMonth: Map<string | null, Amounts>;
  previousByMonth: Map<string | null, Amounts>;
  byDimension: Record<Dimension, Map<string | null, Amounts>>;
}

/**
 * The report from a year's sums (a plain function): each month with the same month a year before
 * (同比), the month before (环比), and the year to date (累计) with its 同比; each breakdown labelled.
 */
export function totalsReport<F, C>(year: number, parkId: string | undefined, sums: YearSums, funnel: F, funnelByCohort: C) {
  const { registered, previous, byMonth, previousByMonth, byDimension } = sums;
  const dimensions = Object.keys(DIMENSIONS) as Dimension[];
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
      dimensions.map((name) => [name, [...byDimension[name]].map(([key, amounts]) => ({ key, label: labelOf(name, key), ...amounts }))]),
    ) as Record<Dimension, BreakdownRow[]>),
    funnel,
    funnelByCohort,
  };
}


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
