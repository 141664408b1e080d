import {
  atLeast,
  atMost,
  catchUpRate,
  checkMet,
  displayWidth,
  errorRow,
  fmt,
  goalText,
  knob,
  openLoopSchedule,
  percentile,
  ratio,
  renderNotes,
  renderTable,
  row,
  summarize,
  verdictOf,
} from './summary';

describe('benchmark summaries', () => {
  describe(percentile.name, () => {
    it('takes the nearest rank, whatever the order of the values', () => {
      const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
      expect(percentile(values, 50)).toBe(5);
      expect(percentile(values, 90)).toBe(9);
      expect(percentile(values, 99)).toBe(10);
      expect(percentile(values, 100)).toBe(10);
      expect(percentile(values, 0)).toBe(1);
      expect(values[0]).toBe(5); // not sorted in place
    });

    it('of 1..100, p99 is 99; of one value, that value; of none, NaN', () => {
      const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
      expect(percentile(hundred, 99)).toBe(99);
      expect(percentile(hundred, 50)).toBe(50);
      expect(percentile([7], 99)).toBe(7);
      expect(percentile([], 50)).toBeNaN();
    });
  });

  describe(summarize.name, () => {
    it('gives n, p50, p90, p99, max and mean to two decimals', () => {
      expect(summarize([1, 2, 3, 4])).toEqual({ n: 4, p50Ms: 2, p90Ms: 4, p99Ms: 4, maxMs: 4, meanMs: 2.5 });
      expect(summarize([1 / 3]).p50Ms).toBe(0.33);
    });

    it('keeps what never arrived (Infinity) in the percentiles instead of leaving it out', () => {
      const values = [...Array.from({ length: 98 }, () => 10), Infinity, Infinity];
      const s = summarize(values);
      expect(s.p50Ms).toBe(10);
      expect(s.p99Ms).toBe(Infinity);
      expect(s.maxMs).toBe(Infinity);
    });

    it('is all NaN for no values', () => {
      expect(summarize([])).toEqual({ n: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN });
    });
  });

  it('ratio: two decimals, NaN without a usable baseline', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(10, 3)).toBe(3.33);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(NaN, 2)).toBeNaN();
    expect(ratio(Infinity, 2)).toBeNaN();
  });

  describe('goals', () => {
    it('a check is met on the right side of its limit, limit included, never with a missing figure', () => {
      expect(checkMet(atLeast('ratio', 0.8, 0.8))).toBe(true);
      expect(checkMet(atLeast('ratio', 0.79, 0.8))).toBe(false);
      expect(checkMet(atMost('p99 ms', 250, 250))).toBe(true);
      expect(checkMet(atMost('p99 ms', 251, 250))).toBe(false);
      expect(checkMet(atMost('p99 ms', NaN, 250))).toBe(false);
      expect(checkMet(atMost('p99 ms', Infinity, 250))).toBe(false);
    });

    it('a row is met only when every check is; without checks it is n/a', () => {
      expect(verdictOf([atLeast('a', 1, 0.8), atMost('b', 1, 1.25)])).toBe('yes');
      expect(verdictOf([atLeast('a', 1, 0.8), atMost('b', 2, 1.25)])).toBe('no');
      expect(verdictOf([])).toBe('n/a');
      expect(goalText([atLeast('req/s ratio', 1, 0.8), atMost('p99 ratio', 1, 1.25)])).toBe('req/s ratio ≥ 0.8; p99 ratio ≤ 1.25');
    });
  });

  describe('the table', () => {
    const rows = [
      row('POST /needs', '900 req/s, p99 40 ms', 'bare: 1000 req/s, p99 20 ms', '0.9× req/s, 2× p99', [atLeast('req/s ratio', 0.9, 0.8), atMost('p99 ratio', 2, 1.25)]),
      row('ranking', 'p99 8 ms', 'p99 5 ms', '1.6×', [atMost('p99 ms', 8, 20)]),
      errorRow('GET /totals', 'p99 ms ≤ 20', new Error('NOT MEASURED: module missing')),
    ];

    it('renders a Markdown table with a header, a separator and one line per row, the verdict last', () => {
      const lines = renderTable(rows).split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toMatch(/^\| figure +\| value +\| baseline +\| ratio +\| goal +\| met\? +\|$/);
      expect(lines[1]).toMatch(/^\|-+\|-+\|-+\|-+\|-+\|-+\|$/);
      expect(lines[2]).toContain('| no ');
      expect(lines[3]).toMatch(/\| yes +\|$/);
      expect(lines[4]).toMatch(/\| GET \/totals +\| ERROR +\|.*\| ERROR \|$/);
      // every line as wide as the header (padded columns)
      expect(new Set(lines.map(displayWidth)).size).toBe(1);
    });

    it('pads by terminal columns: a Chinese character takes two', () => {
      expect(displayWidth('需求征集表 import')).toBe(17);
      const lines = renderTable([row('需求征集表 import', 'v', 'b', 'r', []), row('plain', 'v', 'b', 'r', [])]).split('\n');
      expect(new Set(lines.map(displayWidth)).size).toBe(1);
    });

    it('escapes pipes inside cells', () => {
      expect(renderTable([row('a|b', 'v', 'b', 'r', [])]).split('\n')[2]).toContain('a\\|b');
    });

    it('notes which checks each row missed and why a figure is missing, never a number for it', () => {
      expect(renderNotes(rows)).toEqual(['POST /needs: missed p99 ratio = 2 (goal ≤ 1.25)', 'GET /totals: ERROR NOT MEASURED: module missing']);
      expect(rows[2]).toMatchObject({ value: 'ERROR', baseline: '—', ratio: '—', met: 'ERROR' });
    });
  });

  it('fmt: integers as they are, fewer decimals for larger figures, a dash for a missing one', () => {
    expect(fmt(1200)).toBe('1200');
    expect(fmt(123.456)).toBe('123');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(1.2345, 'ms')).toBe('1.23 ms');
    expect(fmt(NaN)).toBe('—');
    expect(fmt(Infinity)).toBe('—');
  });

  describe(catchUpRate.name, () => {
    it('is the backlog at the first poll that saw progress over the time to the first poll at 0', () => {
      const points = [
        { at: 0, lag: 1000 },
        { at: 200, lag: 1000 }, // start-up: not counted
        { at: 400, lag: 900 },
        { at: 600, lag: 500 },
        { at: 800, lag: 100 },
        { at: 1400, lag: 0 },
        { at: 1600, lag: 0 },
      ];
      expect(catchUpRate(points, 1000)).toEqual({ msgPerSecond: 900, seconds: 1, records: 900, coarse: false });
    });

    it('counts effects already stored when the offsets lag behind them (a consumer committing once per batch)', () => {
      const points = [
        { at: 0, lag: 1000, stored: 0 },
        { at: 200, lag: 1000, stored: 200 }, // working, nothing committed yet
        { at: 400, lag: 1000, stored: 400 },
        { at: 600, lag: 400, stored: 600 },
        { at: 1000, lag: 0, stored: 1000 },
      ];
      expect(catchUpRate(points, 1000)).toEqual({ msgPerSecond: 1000, seconds: 0.8, records: 800, coarse: false });
    });

    it('is coarse when the whole backlog went between two polls', () => {
      expect(catchUpRate([{ at: 0, lag: 50 }, { at: 500, lag: 0 }], 50)).toEqual({ msgPerSecond: 100, seconds: 0.5, records: 50, coarse: true });
    });

    it('has no rate when the group never caught up', () => {
      expect(catchUpRate([{ at: 0, lag: 50 }, { at: 500, lag: 10 }], 50).msgPerSecond).toBeNaN();
    });
  });

  it('openLoopSchedule: sends evenly spaced, independent of answers', () => {
    expect(openLoopSchedule(4, 1)).toEqual([0, 250, 500, 750]);
    expect(openLoopSchedule(100, 60)).toHaveLength(6000);
    expect(openLoopSchedule(100, 60)[5999]).toBeCloseTo(59_990);
  });

  it('knob: the environment value (underscores allowed), else the default; nonsense throws naming the variable', () => {
    expect(knob({}, 'BENCH_RATE', 100)).toBe(100);
    expect(knob({ BENCH_RATE: '250' }, 'BENCH_RATE', 100)).toBe(250);
    expect(knob({ BENCH_EVENTS: '20_000' }, 'BENCH_EVENTS', 1)).toBe(20_000);
    expect(() => knob({ BENCH_RATE: 'fast' }, 'BENCH_RATE', 100)).toThrow(/BENCH_RATE/);
    expect(() => knob({ BENCH_RATE: '0' }, 'BENCH_RATE', 100)).toThrow(/positive/);
    expect(knob({ BENCH_SAMPLES: '0' }, 'BENCH_SAMPLES', 1, { allowZero: true })).toBe(0);
    expect(() => knob({ BENCH_SAMPLES: '-1' }, 'BENCH_SAMPLES', 1, { allowZero: true })).toThrow(/non-negative/);
  });
});
