/**
 * `GET /totals` with 1,000,000 logged transactions, beside the same query at 10,000 (one figure of
 * `npm run bench`). The measurement is reporting's own: `benchTotals` in
 * services/reporting/bench/totals-latency.ts (owned by reporting: it seeds each size into a database of
 * its own and times TotalsQueries.totals() on it). This is only the call, with the run's sizes, and a
 * check that an answer without the figures fails the row instead of printing a number.
 */
import { benchTotals, type TotalsBenchResult } from '../../services/reporting/bench/totals-latency';
import { say } from './scratch';

export type TotalsResult = TotalsBenchResult;

export interface TotalsOptions {
  mongoUrl: string;
  small: number;
  large: number;
  samples: number;
  /** Timed calls of reporting's "before" (row aggregations, each a full scan) per size: not part of the goal, only kept short. */
  beforeSamples: { small: number; large: number };
}

export async function benchTotalsFigure({ mongoUrl, small, large, samples, beforeSamples }: TotalsOptions): Promise<TotalsResult> {
  const result = await benchTotals({ mongoUrl, small, large, samples, baselineSamples: beforeSamples, log: (line) => say(`GET /totals: ${line.trim()}`) });
  for (const side of ['small', 'large'] as const) {
    if (!Number.isFinite(result?.[side]?.p99Ms)) throw new Error(`benchTotals answered no ${side}.p99Ms: ${JSON.stringify(result).slice(0, 300)}`);
  }
  if (result.small.sameAnswer === false || result.large.sameAnswer === false) {
    throw new Error('benchTotals: the roll-ups answered differently from the row aggregations; the latency of a wrong answer is no figure');
  }
  return result;
}
