import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analystToken, TestSystem, type ApiClient } from '@tt/testing';

/**
 * Webhooks cannot reach inside (server-side request forgery): with no allowlist, as `npm start` and
 * production run, an analyst subscribing any loopback, private, link-local or metadata address, in any
 * notation, gets a 400 on `/url`, nothing is subscribed, and a listener on loopback hears nothing.
 */
describe('webhook targets', () => {
  let system: TestSystem;
  let reporting: ApiClient;
  let listener: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    listener = createServer((req, res) => {
      hits += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    system = await TestSystem.start({ env: { reporting: { WEBHOOK_ALLOWED_TARGETS: '' } } });
    reporting = system.api('reporting', await analystToken('analyst-ssrf'));
  });

  afterAll(async () => {
    await system?.stop();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  const internal = () => [
    `http://127.0.0.1:${port}/hook`,
    `http://localhost:${port}/hook`,
    `http://[::1]:${port}/hook`,
    `http://[::ffff:127.0.0.1]:${port}/hook`,
    `http://0x7f000001:${port}/hook`,
    `http://2130706433:${port}/hook`,
    `http://0177.0.0.1:${port}/hook`,
    `http://127.1:${port}/hook`,
    `http://0.0.0.0:${port}/hook`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://10.0.0.1/hook',
    'http://172.16.5.4/hook',
    'http://192.168.0.1/hook',
    'http://100.64.1.1/hook',
    'http://[fe80::1]/hook',
    'http://224.0.0.251/hook',
    'http://127.0.0.1:27018/',
    'http://127.0.0.1:6380/',
    'http://127.0.0.1:19092/',
    `${system?.services.intake.url ?? 'http://127.0.0.1:3001'}/needs`,
    'http://[64:ff9b::a00:1]/hook',
    'http://[::]/hook',
  ];

  it('refuses every internal target with a 400 on /url, and subscribes none', async () => {
    const targets = internal();
    expect(targets.length).toBeGreaterThanOrEqual(23);
    for (const url of targets) {
      const res = await reporting.post('/webhooks', { url, types: ['cn.techtransfer.transaction.logged.v2'], parks: ['park-ssrf'] });
      expect({ url, status: res.status, pointers: (res.body.errors ?? []).map((e: { pointer: string }) => e.pointer) }).toEqual({ url, status: 400, pointers: ['/url'] });
    }
    expect((await reporting.get('/webhooks')).body.items).toEqual([]);
    await new Promise((r) => setTimeout(r, 6_000)); // a sweep (every 5 s) would have delivered to anything subscribed
    expect(hits).toBe(0);
  });
});
