/**
 * The pure part of the benchmarks: percentiles, latency summaries, ratios, goals and the printed
 * table. No I/O here (scripts/bench/summary.spec.ts covers it).
 */

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencySummary {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

const round2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);

/** n, p50, p90, p99, max and mean of latencies in ms (NaN figures when empty). */
export function summarize(values: readonly number[]): LatencySummary {
  const n = values.length;
  const mean = n === 0 ? NaN : values.reduce((s, v) => s + v, 0) / n;
  return {
    n,
    p50Ms: round2(percentile(values, 50)),
    p90Ms: round2(percentile(values, 90)),
    p99Ms: round2(percentile(values, 99)),
    maxMs: round2(n === 0 ? NaN : values.reduce((m, v) => Math.max(m, v), -Infinity)),
    meanMs: round2(mean),
  };
}

/** value / baseline to two decimals; NaN when either is missing or the baseline is 0. */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return NaN;
  return Math.round((value / baseline) * 100) / 100;
}

/** One condition of a goal: `actual op limit`, e.g. a ratio ≥ 0.8 or a p99 ≤ 250 ms. */
export interface Check {
  what: string;
  actual: number;
  op: '>=' | '<=';
  limit: number;
}

export const atLeast = (what: string, actual: number, limit: number): Check => ({ what, actual, op: '>=', limit });
export const atMost = (what: string, actual: number, limit: number): Check => ({ what, actual, op: '<=', limit });

/** A check is met only with a finite figure on the right side of its limit. */
export function checkMet(check: Check): boolean {
  if (!Number.isFinite(check.actual)) return false;
  return check.op === '>=' ? check.actual >= check.limit : check.actual <= check.limit;
}

export type Verdict = 'yes' | 'no' | 'n/a' | 'ERROR';

/** Met when every check is (n/a without checks). */
export function verdictOf(checks: readonly Check[]): Verdict {
  if (checks.length === 0) return 'n/a';
  return checks.every(checkMet) ? 'yes' : 'no';
}

/** The goal column: each check as `what ≥ limit`. */
export function goalText(checks: readonly Check[]): string {
  return checks.map((c) => `${c.what} ${c.op === '>=' ? '≥' : '≤'} ${c.limit}`).join('; ');
}

/** Which checks failed, with the figure measured (for the notes under the table). */
export function failedChecks(checks: readonly Check[]): string[] {
  return checks.filter((c) => !checkMet(c)).map((c) => `${c.what} = ${fmt(c.actual)} (goal ${c.op === '>=' ? '≥' : '≤'} ${c.limit})`);
}

/** One line of the printed table. */
export interface FigureRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: Verdict;
  checks?: Check[];
  /** What went wrong when the figure could not be measured (met is then ERROR). */
  error?: string;
}

/** A row from its checks: met is derived, the goal column written from them. */
export function row(figure: string, value: string, baseline: string, ratioText: string, checks: Check[]): FigureRow {
  return { figure, value, baseline, ratio: ratioText, goal: goalText(checks), met: verdictOf(checks), checks };
}

/** A row for a figure that could not be measured: it says so, and never shows a number. */
export function errorRow(figure: string, goal: string, error: unknown): FigureRow {
  const message = error instanceof Error ? error.message : String(error);
  return { figure, value: 'ERROR', baseline: '—', ratio: '—', goal, met: 'ERROR', error: message };
}

/** Numbers for the table: integers as they are, others to at most 2 decimals, NaN as "—". */
export function fmt(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return '—';
  const text = Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

/** p50/p99 of a summary as `p50 12 ms / p99 40 ms`. */
export const latencyText = (s: Pick<LatencySummary, 'p50Ms' | 'p99Ms'>) => `p50 ${fmt(s.p50Ms, 'ms')} / p99 ${fmt(s.p99Ms, 'ms')}`;

const COLUMNS: { title: string; cell: (r: FigureRow) => string }[] = [
  { title: 'figure', cell: (r) => r.figure },
  { title: 'value', cell: (r) => r.value },
  { title: 'baseline', cell: (r) => r.baseline },
  { title: 'ratio', cell: (r) => r.ratio },
  { title: 'goal', cell: (r) => r.goal },
  { title: 'met?', cell: (r) => r.met },
];

/** Columns a text takes in a terminal: CJK and full-width characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x20000 && code <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

/** A Markdown table (pipes in cells escaped), padded so it also reads well in a terminal. */
export function renderTable(rows: readonly FigureRow[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r).replace(/\|/g, '\\|').replace(/\n/g, ' ')));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, 3, ...cells.map((line) => displayWidth(line[i]))));
  const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
  const line = (values: string[]) => `| ${values.map((v, i) => pad(v, widths[i])).join(' | ')} |`;
  return [line(COLUMNS.map((c) => c.title)), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

/** Notes under the table: the checks each row missed, and the errors. */
export function renderNotes(rows: readonly FigureRow[]): string[] {
  return rows.flatMap((r) => {
    if (r.error) return [`${r.figure}: ERROR ${r.error}`];
    const failed = failedChecks(r.checks ?? []);
    return failed.length ? [`${r.figure}: missed ${failed.join('; ')}`] : [];
  });
}

/**
 * A point of a consumer's progress: when it was read, the records its group's committed offsets are
 * still behind, and (when known) how many of the records' effects are already in the store.
 */
export interface LagPoint {
  at: number;
  lag: number;
  stored?: number;
}

/**
 * The steady consumption rate from a consumer's progress, polled while it caught up with `total`
 * records. Left at each poll: the committed lag, or fewer when more effects are already stored (a
 * consumer that commits once per batch shows no progress in its offsets until the batch ends). The
 * rate is what was left at the first poll that saw progress over the time from that poll to the first
 * poll where the group had committed everything (start-up and the first records are left out).
 * `coarse` when all went between two polls: the rate is then total over that gap, a rough figure.
 */
export function catchUpRate(points: readonly LagPoint[], total: number): { msgPerSecond: number; seconds: number; records: number; coarse: boolean } {
  const left = (p: LagPoint) => Math.min(p.lag, p.stored === undefined ? Infinity : Math.max(0, total - p.stored));
  const doneIndex = points.findIndex((p) => p.lag === 0);
  if (doneIndex < 0) return { msgPerSecond: NaN, seconds: NaN, records: 0, coarse: true };
  const firstMoved = points.findIndex((p) => left(p) < total);
  if (firstMoved >= 0 && firstMoved < doneIndex) {
    const from = points[firstMoved];
    const seconds = (points[doneIndex].at - from.at) / 1000;
    if (seconds > 0 && left(from) > 0) return { msgPerSecond: left(from) / seconds, seconds, records: left(from), coarse: false };
  }
  const before = doneIndex > 0 ? points[doneIndex - 1] : undefined;
  const seconds = before ? (points[doneIndex].at - before.at) / 1000 : NaN;
  return { msgPerSecond: seconds > 0 ? total / seconds : NaN, seconds, records: total, coarse: true };
}

/** Open-loop send times: `count` requests at `ratePerSecond`, as offsets in ms from the start. */
export function openLoopSchedule(ratePerSecond: number, seconds: number): number[] {
  const count = Math.max(0, Math.floor(ratePerSecond * seconds));
  return Array.from({ length: count }, (_, i) => (i * 1000) / ratePerSecond);
}

/** A number from the environment, or the fallback; a value that is not a positive number throws. */
export function knob(env: NodeJS.ProcessEnv, name: string, fallback: number, { allowZero = false } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got "${raw}")`);
  return value;
}
