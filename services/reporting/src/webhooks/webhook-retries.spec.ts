import { retryDelayMs } from './webhook-retries';

describe('retryDelayMs', () => {
  it('doubles from one second and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 10))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(60, 600)).toBe(600_000);
  });
});
