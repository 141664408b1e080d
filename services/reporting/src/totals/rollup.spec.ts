import { contributionOf, decodeKey, encodeKey, rollupDeltas, rollupIdOf, ROLLUP_DIMENSIONS, sameContribution, sumRollups, type Cell, type Contribution, type ContributingRow, type RollupDoc } from './rollup';

const row = (over: Partial<ContributingRow> = {}): ContributingRow => ({
  month: '2026-11',
  parkId: 'park-a',
  regionCode: '320506',
  contractType: 'development',
  technicalField: 'electronic-information',
  brokerId: 'broker-1',
  contractAmountFen: 300_000_000,
  techTransactionAmountFen: 240_000_000,
  ...over,
});

describe('a row’s contribution', () => {
  it('is its month, park, amounts and its key in every breakdown; registry fields it lacks are null', () => {
    const c = contributionOf(row())!;
    expect(c).toMatchObject({ month: '2026-11', parkId: 'park-a', contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 });
    expect(Object.keys(c.keys)).toEqual(ROLLUP_DIMENSIONS);
    expect(c.keys).toMatchObject({ byPark: 'park-a', byRegion: '320506', byContractType: 'development', byBroker: 'broker-1', byContractSubtype: null, techOutputByRegion: null });
    expect(contributionOf(row({ contractSubtype: 'development.cooperative', outputRegion: '110000' }))!.keys).toMatchObject({ byContractSubtype: 'development.cooperative', techOutputByRegion: '110000' });
  });

  it('is nothing once revoked', () => {
    expect(contributionOf(row({ status: 'revoked' }))).toBeNull();
    expect(contributionOf(row({ status: 'standing' }))).not.toBeNull();
  });

  it('compares field by field; a breakdown missing from one (added since) makes them differ', () => {
    const c = contributionOf(row())!;
    expect(sameContribution(c, contributionOf(row())!)).toBe(true);
    expect(sameContribution(c, { ...c, techTransactionAmountFen: 1 })).toBe(false);
    expect(sameContribution(c, { ...c, keys: { ...c.keys, byIpType: 'patent' } })).toBe(false);
    const { byIpType: _, ...older } = c.keys;
    expect(sameContribution(c, { ...c, keys: older })).toBe(false);
    expect(sameContribution(null, null)).toBe(true);
    expect(sameContribution(c, null)).toBe(false);
  });
});

describe('roll-up ids and keys', () => {
  it('names one document per year and park, and one per year over every park', () => {
    expect(rollupIdOf(2026, 'park-a')).toBe('2026/park-a');
    expect(rollupIdOf(2026, null)).toBe('2026');
  });

  it('encodes a breakdown key as a field name (no dot, no $, never numeric) and back', () => {
    for (const key of ['development.cooperative', '320506', '$x', '50%.', 'overseas-US', '', '~', null]) {
      const field = encodeKey(key);
      expect(field).not.toMatch(/[.]|^\$|^\d+$/);
      expect(field.length).toBeGreaterThan(0);
      expect(decodeKey(field)).toBe(key);
    }
    expect(encodeKey('development.cooperative')).toBe('kdevelopment%2Ecooperative');
    expect(encodeKey(null)).toBe('~');
    expect(encodeKey('~')).not.toBe(encodeKey(null));
  });
});

describe('the deltas between two contributions', () => {
  const logged = contributionOf(row())!;

  it('adds a contribution to its month and to its key in each breakdown, in its park’s and every park’s document of its year', () => {
    const deltas = rollupDeltas(null, logged);
    expect([...deltas.keys()]).toEqual(['2026/park-a', '2026']);
    const { year, parkId, inc } = deltas.get('2026/park-a')!;
    expect({ year, parkId }).toEqual({ year: 2026, parkId: 'park-a' });
    expect(inc).toMatchObject({ 'months.m11.n': 1, 'months.m11.c': 300_000_000, 'months.m11.t': 240_000_000, 'dims.byRegion.k320506.n': 1, 'dims.byContractSubtype.~.c': 300_000_000 });
    expect(Object.keys(inc)).toHaveLength(3 * (1 + ROLLUP_DIMENSIONS.length));
    expect(deltas.get('2026')).toEqual({ year: 2026, parkId: null, inc });
  });

  it('takes it away on a revocation, and moves nothing when nothing changed', () => {
    const inc = rollupDeltas(logged, null).get('2026/park-a')!.inc;
    expect(Object.values(inc).every((v) => v < 0)).toBe(true);
    expect(inc['months.m11.n']).toBe(-1);
    expect(rollupDeltas(logged, contributionOf(row())).size).toBe(0);
    expect(rollupDeltas(null, null).size).toBe(0);
  });

  it('moves only the amounts on a correction of an amount, and only the changed keys on a restated record', () => {
    const corrected = { ...logged, techTransactionAmountFen: 200_000_000 };
    const inc = rollupDeltas(logged, corrected).get('2026/park-a')!.inc;
    expect(Object.keys(inc).every((path) => path.endsWith('.t'))).toBe(true);
    expect(inc['months.m11.t']).toBe(-40_000_000);

    const enriched = contributionOf(row({ contractSubtype: 'development.cooperative', outputRegion: '110000' }))!;
    expect(rollupDeltas(logged, enriched).get('2026/park-a')!.inc).toEqual({
      'dims.byContractSubtype.~.n': -1,
      'dims.byContractSubtype.~.c': -300_000_000,
      'dims.byContractSubtype.~.t': -240_000_000,
      'dims.byContractSubtype.kdevelopment%2Ecooperative.n': 1,
      'dims.byContractSubtype.kdevelopment%2Ecooperative.c': 300_000_000,
      'dims.byContractSubtype.kdevelopment%2Ecooperative.t': 240_000_000,
      'dims.techOutputByRegion.~.n': -1,
      'dims.techOutputByRegion.~.c': -300_000_000,
      'dims.techOutputByRegion.~.t': -240_000_000,
      'dims.techOutputByRegion.k110000.n': 1,
      'dims.techOutputByRegion.k110000.c': 300_000_000,
      'dims.techOutputByRegion.k110000.t': 240_000_000,
    });
  });

  it('takes nothing from a breakdown the counted contribution did not have (one added since)', () => {
    const { byIpType: _, ...older } = logged.keys;
    expect(rollupDeltas({ ...logged, keys: older }, logged).get('2026/park-a')!.inc).toEqual({ 'dims.byIpType.~.n': 1, 'dims.byIpType.~.c': 300_000_000, 'dims.byIpType.~.t': 240_000_000 });
  });

  it('spans two documents if a contribution moved park or year (which the change rules do not allow)', () => {
    expect([...rollupDeltas(logged, { ...logged, month: '2027-01' }).keys()]).toEqual(['2026/park-a', '2026', '2027/park-a', '2027']);
    expect([...rollupDeltas(logged, { ...logged, parkId: 'park-b' }).keys()]).toEqual(['2026/park-a', '2026/park-b']); // every park's: the same
  });
});

/** Applies deltas to in-memory documents, the way `$inc` does. */
function applyTo(docs: Map<string, RollupDoc>, from: Contribution | null, to: Contribution | null) {
  for (const [id, { year, parkId, inc }] of rollupDeltas(from, to)) {
    const doc = docs.get(id) ?? ({ _id: id, year, parkId, epoch: 0, applied: [] } as RollupDoc);
    for (const [path, value] of Object.entries(inc)) {
      const parts = path.split('.');
      let at = doc as unknown as Record<string, unknown>;
      for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
      at[parts.at(-1)!] = ((at[parts.at(-1)!] as number) ?? 0) + value;
    }
    docs.set(id, doc);
  }
}

describe('the sums read back from the roll-ups', () => {
  it('are the sums over the contributions as they stand, whatever changes they went through', () => {
    // Deterministic pseudo-random deals over two years, three parks, changes and revocations.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor((seed / 2 ** 31) * n));
    const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)];
    const docs = new Map<string, RollupDoc>();
    const standing: Contribution[] = [];
    for (let i = 0; i < 300; i++) {
      const base = row({
        month: `${pick(['2025', '2026'])}-${String(1 + rand(12)).padStart(2, '0')}`,
        parkId: pick(['park-a', 'park-b', 'park-c']),
        regionCode: pick(['320506', '110108', '310115']),
        contractAmountFen: 1 + rand(1_000_000_000),
        techTransactionAmountFen: rand(500_000_000),
      });
      let now = contributionOf(base);
      applyTo(docs, null, now);
      for (let k = rand(4); k > 0; k--) {
        const next = rand(5) === 0 ? null : contributionOf({ ...base, contractAmountFen: 1 + rand(9_000), contractSubtype: pick([undefined, 'development.cooperative', 'transfer.other']) } as ContributingRow);
        applyTo(docs, now, next);
        now = next;
        if (now === null) break;
      }
      if (now) standing.push(now);
    }
    expect([...docs.keys()].filter((id) => !id.includes('/')).sort()).toEqual(['2025', '2026']);
    const sums = sumRollups([docs.get('2026')!, docs.get('2025')!], 2026);
    const ofPark = sumRollups([...docs.values()].filter((d) => d.parkId === 'park-b'), 2026);
    const parkB = standing.filter((c) => c.parkId === 'park-b' && c.month.startsWith('2026-'));
    expect(ofPark.registered.count).toBe(parkB.length);
    expect(ofPark.byDimension.byPark).toEqual(new Map([['park-b', ofPark.registered]]));
    const expected = (inYear: Contribution[]) => ({
      count: inYear.length,
      contractAmountFen: inYear.reduce((s, c) => s + c.contractAmountFen, 0),
      techTransactionAmountFen: inYear.reduce((s, c) => s + c.techTransactionAmountFen, 0),
    });
    const of2026 = standing.filter((c) => c.month.startsWith('2026-'));
    expect(sums.registered).toEqual(expected(of2026));
    expect(sums.previous).toEqual(expected(standing.filter((c) => c.month.startsWith('2025-'))));
    const months = [...new Set(of2026.map((c) => c.month))].sort();
    expect(months.length).toBeGreaterThan(3);
    expect([...sums.byMonth.keys()].sort()).toEqual(months);
    for (const month of months) expect(sums.byMonth.get(month)).toEqual(expected(of2026.filter((c) => c.month === month)));
    for (const dimension of ROLLUP_DIMENSIONS) {
      const keys = [...new Set(of2026.map((c) => c.keys[dimension] ?? null))].sort((a, b) => (a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
      expect([...sums.byDimension[dimension].keys()]).toEqual(keys);
      for (const key of keys) expect(sums.byDimension[dimension].get(key)).toEqual(expected(of2026.filter((c) => (c.keys[dimension] ?? null) === key)));
    }
  });

  it('leave out months and keys with no contract left, and order keys as MongoDB sorts group ids (null first)', () => {
    const cell = (n: number, c: number, t: number): Cell => ({ n, c, t });
    const docs: Pick<RollupDoc, 'year' | 'months' | 'dims'>[] = [
      { year: 2026, months: { m02: cell(0, 0, 0), m05: cell(2, 30, 20) }, dims: { byRegion: { k320506: cell(1, 10, 5), '~': cell(1, 20, 15), k110108: cell(0, 0, 0) } } },
      { year: 2026, months: { m05: cell(1, 5, 5) }, dims: { byRegion: { k110108: cell(1, 5, 5) } } },
      { year: 2025, months: { m12: cell(1, 7, 7) }, dims: { byRegion: { k999999: cell(1, 7, 7) } } }, // the year before: only its months count
    ];
    const sums = sumRollups(docs, 2026);
    expect([...sums.byMonth]).toEqual([['2026-05', { count: 3, contractAmountFen: 35, techTransactionAmountFen: 25 }]]);
    expect([...sums.previousByMonth]).toEqual([['2025-12', { count: 1, contractAmountFen: 7, techTransactionAmountFen: 7 }]]);
    expect([...sums.byDimension.byRegion.keys()]).toEqual([null, '110108', '320506']);
    expect(sums.byDimension.byPark.size).toBe(0);
    expect(sumRollups([], 2026).registered).toEqual({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });
  });
});
