import { answeredUp, ReadinessChecks } from './health.controller';

describe('readiness checks', () => {
  it('counts a check that never answers as down (it answers at all only because of the timeout)', async () => {
    expect(await answeredUp(() => new Promise<boolean>(() => undefined), 50)).toBe(false);
  });

  it('counts a failing check as down and a passing one as up', async () => {
    expect(await answeredUp(() => Promise.reject(new Error('store away')), 50)).toBe(false);
    expect(await answeredUp(async () => true, 50)).toBe(true);
  });

  it('reports each check by name', async () => {
    const checks = new ReadinessChecks();
    checks.add({ name: 'mongo', check: async () => true }, { name: 'redis', check: async () => false });
    expect(await checks.run()).toEqual({ mongo: 'up', redis: 'down' });
  });
});
