import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postPinned, WebhookTargetPolicy } from './webhook-target';

describe(WebhookTargetPolicy.name, () => {
  const publicResolver = async () => [{ address: '93.184.216.34', family: 4 }];
  const policy = new WebhookTargetPolicy([], publicResolver);

  it.each([
    'http://127.0.0.1:6380/',
    'http://localhost/', // resolved below to loopback
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://0.0.0.0/',
    'http://10.1.2.3/',
    'http://172.20.0.5/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
    'https://198.18.0.1/',
  ])('refuses %s', async (url) => {
    const local = new WebhookTargetPolicy([], async (host) => (host === 'localhost' ? [{ address: '127.0.0.1', family: 4 }] : publicResolver()));
    expect(await local.check(new URL(url))).toMatchObject({ ok: false });
  });

  it('accepts a public address, and pins the first address the name resolves to', async () => {
    expect(await policy.check(new URL('https://stats.example.gov.cn/hooks'))).toEqual({ ok: true, address: '93.184.216.34', family: 4 });
    expect(await policy.check(new URL('https://8.8.8.8/hooks'))).toEqual({ ok: true, address: '8.8.8.8', family: 4 });
  });

  it('refuses a name with any internal address among its records, and one that does not resolve', async () => {
    const mixed = new WebhookTargetPolicy([], async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    expect(await mixed.check(new URL('https://mixed.example/'))).toMatchObject({ ok: false });
    const none = new WebhookTargetPolicy([], async () => {
      throw new Error('ENOTFOUND');
    });
    expect(await none.check(new URL('https://nowhere.example/'))).toMatchObject({ ok: false, reason: expect.stringContaining('resolve') });
  });

  it('checks again each time: a name rebound to an internal address is refused', async () => {
    let calls = 0;
    const rebinding = new WebhookTargetPolicy([], async () => (calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]));
    expect(await rebinding.check(new URL('https://rebind.example/'))).toMatchObject({ ok: true });
    expect(await rebinding.check(new URL('https://rebind.example/'))).toMatchObject({ ok: false });
  });

  it('lets the operator allowlist through: networks, addresses and names', async () => {
    const allowing = new WebhookTargetPolicy(['127.0.0.0/8', '::1', 'receiver.internal'], async () => [{ address: '10.9.8.7', family: 4 }]);
    expect(await allowing.check(new URL('http://127.0.0.1:9000/'))).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(await allowing.check(new URL('http://[::1]:9000/'))).toMatchObject({ ok: true, address: '::1', family: 6 });
    expect(await allowing.check(new URL('http://receiver.internal/'))).toMatchObject({ ok: true, address: '10.9.8.7' });
    expect(await allowing.check(new URL('http://10.1.1.1/'))).toMatchObject({ ok: false });
  });
});

describe(postPinned.name, () => {
  let server: Server;
  let port: number;
  const seen: { host?: string; path?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ host: req.headers.host, path: req.url });
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects to the address checked, whatever the name would resolve to, keeping the name for Host', async () => {
    const result = await postPinned(new URL(`http://does-not-resolve.invalid:${port}/hooks`), { address: '127.0.0.1', family: 4 }, {}, '{}', 5_000);
    expect(result).toEqual({ status: 204 });
    expect(seen.at(-1)).toEqual({ host: `does-not-resolve.invalid:${port}`, path: '/hooks' });
  });

  it('follows no redirect, and reports failures as classes without socket details', async () => {
    expect(await postPinned(new URL(`http://127.0.0.1:${port}/redirect`), { address: '127.0.0.1', family: 4 }, {}, '{}', 5_000)).toEqual({ failure: 'redirect not followed' });
    const closed = await postPinned(new URL('http://127.0.0.1:1/'), { address: '127.0.0.1', family: 4 }, {}, '{}', 5_000);
    expect(closed).toEqual({ failure: 'connection failed' });
  });
});
