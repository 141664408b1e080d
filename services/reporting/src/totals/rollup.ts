import { DIMENSIONS, type Dimension } from './dimensions';
import type { Transaction } from './transaction.schema';

/**
 * The totals' roll-ups, as pure functions: what one transaction row adds to them (its contribution),
 * what changes between two contributions (per roll-up document, as `$inc` paths), and how the
 * documents read back as the sums `GET /totals` answers with.
 *
 * One roll-up document per (year, park), and one per year over every park, in `totals_rollups`:
 *   { _id: '2026/park-a', year: 2026, parkId: 'park-a', epoch, applied: [...],   (every park: _id '2026', parkId null)
 *     months: { m01: {n, c, t}, …, m12: … },
 *     dims: { byRegion: { k320506: {n, c, t}, … }, byContractSubtype: { '~': …, 'kdevelopment%2Ecooperative': … }, … } }
 * `n` counts contracts, `c` sums 合同成交额 (contractAmountFen), `t` 技术交易额 (techTransactionAmountFen).
 * `GET /totals` reads two documents by `_id` (the year and the year before, of the park or of every
 * park): what it reads grows with the breakdown keys, not with contracts. A row's month and park never
 * change (registration date and park are fixed by the change rules), so a change of a row moves the
 * same two documents (its park's and every park's of its year), one atomic `$inc` each.
 */
export const ROLLUP_DIMENSIONS = Object.keys(DIMENSIONS) as Dimension[];

export interface Amounts {
  count: number;
  contractAmountFen: number;
  techTransactionAmountFen: number;
}

/** What a standing transaction adds to the totals; a revoked one adds nothing (null). */
export interface Contribution {
  /** YYYY-MM of registration. */
  month: string;
  parkId: string;
  contractAmountFen: number;
  techTransactionAmountFen: number;
  /** The row's key in each breakdown (null: rows logged before the registry record was kept). */
  keys: Partial<Record<Dimension, string | null>>;
}

/** A contribution as stored on the row (`rollup.counted`, `rollup.applying`): the version of the row it was taken at. */
export interface VersionedContribution {
  version: number;
  c: Contribution | null;
}

/** The row fields a contribution is read from. */
export type ContributingRow = Pick<Transaction, 'month' | 'parkId' | 'contractAmountFen' | 'techTransactionAmountFen' | 'status'> & Partial<Transaction>;

export function contributionOf(row: ContributingRow): Contribution | null {
  if (row.status === 'revoked') return null;
  const keys: Partial<Record<Dimension, string | null>> = {};
  for (const dimension of ROLLUP_DIMENSIONS) {
    const value = (row as Record<string, unknown>)[DIMENSIONS[dimension].field];
    keys[dimension] = value === undefined || value === null ? null : String(value);
  }
  return { month: row.month, parkId: row.parkId, contractAmountFen: row.contractAmountFen, techTransactionAmountFen: row.techTransactionAmountFen, keys };
}

export function sameContribution(a: Contribution | null, b: Contribution | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.month === b.month &&
    a.parkId === b.parkId &&
    a.contractAmountFen === b.contractAmountFen &&
    a.techTransactionAmountFen === b.techTransactionAmountFen &&
    ROLLUP_DIMENSIONS.every((d) => a.keys[d] === b.keys[d])
  );
}

export const yearOf = (month: string) => Number(month.slice(0, 4));
/** The roll-up document of a park's year, or of every park's (parkId null). */
export const rollupIdOf = (year: number, parkId: string | null) => (parkId === null ? String(year) : `${year}/${parkId}`);

/**
 * A breakdown key as a field name: never empty, never numeric, no `.` and no leading `$`
 * (`development.cooperative` → `kdevelopment%2Ecooperative`); null is `~`.
 */
export function encodeKey(key: string | null): string {
  if (key === null) return '~';
  return `k${key.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}`;
}

export function decodeKey(field: string): string | null {
  if (field === '~') return null;
  return field.slice(1).replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export const monthField = (month: string) => `m${month.slice(5, 7)}`;

/** What one roll-up document must gain to move from one contribution to another: `$inc` paths, zeros left out. */
export interface RollupDelta {
  year: number;
  parkId: string | null;
  inc: Record<string, number>;
}

/**
 * The `$inc`s that take the roll-ups from holding `from` to holding `to`, per roll-up document id (none
 * when nothing changes). A dimension missing from `from.keys` was not counted in that breakdown (a
 * breakdown added later), so nothing is taken from it.
 */
export function rollupDeltas(from: Contribution | null, to: Contribution | null): Map<string, RollupDelta> {
  const deltas = new Map<string, RollupDelta>();
  const add = (c: Contribution, sign: 1 | -1) => {
    const year = yearOf(c.month);
    for (const parkId of [c.parkId, null]) addTo(year, parkId, c, sign);
  };
  const addTo = (year: number, parkId: string | null, c: Contribution, sign: 1 | -1) => {
    const id = rollupIdOf(year, parkId);
    if (!deltas.has(id)) deltas.set(id, { year, parkId, inc: {} });
    const { inc } = deltas.get(id)!;
    const bump = (path: string) => {
      inc[`${path}.n`] = (inc[`${path}.n`] ?? 0) + sign;
      inc[`${path}.c`] = (inc[`${path}.c`] ?? 0) + sign * c.contractAmountFen;
      inc[`${path}.t`] = (inc[`${path}.t`] ?? 0) + sign * c.techTransactionAmountFen;
    };
    bump(`months.${monthField(c.month)}`);
    for (const dimension of ROLLUP_DIMENSIONS) {
      if (dimension in c.keys) bump(`dims.${dimension}.${encodeKey(c.keys[dimension] ?? null)}`);
    }
  };
  if (from) add(from, -1);
  if (to) add(to, 1);
  for (const [id, delta] of deltas) {
    for (const [path, value] of Object.entries(delta.inc)) if (value === 0) delete delta.inc[path];
    if (Object.keys(delta.inc).length === 0) deltas.delete(id);
  }
  return deltas;
}

/** A roll-up document as `totals()` reads it. */
export interface RollupDoc {
  _id: string;
  year: number;
  /** null: every park's */
  parkId: string | null;
  /** Raised by each clean-up of `applied`, so an applier that read the document before it cannot apply again what was pulled. */
  epoch: number;
  /** Ids (`<dealId>:<version>`) of the row transitions this document holds, until their row says they are counted. */
  applied: string[];
  months?: Record<string, Cell>;
  dims?: Partial<Record<Dimension, Record<string, Cell>>>;
}
export interface Cell {
  n: number;
  c: number;
  t: number;
}

/** The sums `totals()` is made of, read from the roll-up documents of `year` and the year before. */
export interface RolledUp {
  registered: Amounts;
  previous: Amounts;
  /** Months with a contract, 'YYYY-MM' → amounts, in `year` and the year before. */
  byMonth: Map<string, Amounts>;
  previousByMonth: Map<string, Amounts>;
  /** Per breakdown, key → amounts over `year`, keys in ascending order (null first), only keys with a contract. */
  byDimension: Record<Dimension, Map<string | null, Amounts>>;
}

export const zero = (): Amounts => ({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });
const addCell = (into: Map<string | null, Amounts>, key: string | null, cell: Cell) => {
  const a = into.get(key) ?? zero();
  into.set(key, { count: a.count + (cell.n ?? 0), contractAmountFen: a.contractAmountFen + (cell.c ?? 0), techTransactionAmountFen: a.techTransactionAmountFen + (cell.t ?? 0) });
};
/** As MongoDB's `$sort` orders group keys: null first, then strings in code-unit order. */
const byKey = ([a]: [string | null, Amounts], [b]: [string | null, Amounts]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
const standing = (m: Map<string | null, Amounts>) => new Map([...m].filter(([, a]) => a.count > 0).sort(byKey));

export function sumRollups(docs: Pick<RollupDoc, 'year' | 'months' | 'dims'>[], year: number): RolledUp {
  const months = new Map<string | null, Amounts>();
  const dims = Object.fromEntries(ROLLUP_DIMENSIONS.map((d) => [d, new Map<string | null, Amounts>()])) as Record<Dimension, Map<string | null, Amounts>>;
  for (const doc of docs) {
    for (const [field, cell] of Object.entries(doc.months ?? {})) addCell(months, `${doc.year}-${field.slice(1)}`, cell);
    if (doc.year !== year) continue;
    for (const dimension of ROLLUP_DIMENSIONS) {
      for (const [field, cell] of Object.entries(doc.dims?.[dimension] ?? {})) addCell(dims[dimension], decodeKey(field), cell);
    }
  }
  const counted = standing(months) as Map<string, Amounts>;
  const inYear = (y: number) => new Map([...counted].filter(([m]) => m.startsWith(`${y}-`)));
  const total = (m: Map<string, Amounts>) =>
    [...m.values()].reduce(
      (s, a) => ({ count: s.count + a.count, contractAmountFen: s.contractAmountFen + a.contractAmountFen, techTransactionAmountFen: s.techTransactionAmountFen + a.techTransactionAmountFen }),
      zero(),
    );
  const byMonth = inYear(year);
  const previousByMonth = inYear(year - 1);
  return {
    registered: total(byMonth),
    previous: total(previousByMonth),
    byMonth,
    previousByMonth,
    byDimension: Object.fromEntries(ROLLUP_DIMENSIONS.map((d) => [d, standing(dims[d])])) as Record<Dimension, Map<string | null, Amounts>>,
  };
}
