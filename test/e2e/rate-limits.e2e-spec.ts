import { analystToken, TestSystem, type ApiClient } from '@tt/testing';

/**
 * Rate limits per principal, counted in Redis: two instances of reporting share one budget per
 * caller, a caller over it gets a 429 problem with Retry-After, and other callers and probes are
 * not affected.
 */
describe('rate limits per principal', () => {
  let system: TestSystem;
  let reporting: ApiClient;

  beforeAll(async () => {
    system = await TestSystem.start({ instances: 2, env: { reporting: { RATE_LIMIT: '10/1m' } } });
    reporting = system.api('reporting', await analystToken('analyst-busy'));
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('answers 429 past the budget, across instances, to that caller only', async () => {
    // Round-robin over the two instances: five each, ten in all, the whole budget.
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await reporting.get('/totals?year=2026')).status);
    expect(statuses).toEqual(Array(10).fill(200));

    const over = await reporting.get('/totals?year=2026');
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body).toMatchObject({ status: 429, type: '/problems/rate-limited', title: 'Too Many Requests' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // The other instance refuses too: the budget lives in Redis, not in a process.
    const [first, second] = system.instances.reporting.map((p) => p.url);
    const token = await analystToken('analyst-busy');
    for (const url of [first, second]) {
      const response = await fetch(`${url}/totals?year=2026`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(429);
    }

    // Another analyst, and the probes, are not limited by that.
    expect((await reporting.as(await analystToken('analyst-calm')).get('/totals?year=2026')).status).toBe(200);
    for (let i = 0; i < 15; i++) expect((await fetch(`${first}/health/live`)).status).toBe(200);
  });
});
