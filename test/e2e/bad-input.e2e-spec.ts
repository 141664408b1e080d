import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { TOPICS } from '@tt/contracts';
import { importJWK, SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@tt/platform';
import { brokerToken, eventually, TEST_SIGNING_KEY, TestSystem, type ApiClient, type ApiResponse } from '@tt/testing';
import { chipNeed, createEnterprise, signature } from './broker-workflow';

/**
 * Bad input is answered 4xx with an RFC 9457 problem body that names the field, and writes
 * nothing: the park's need count and the need topic's end offsets do not move.
 */
describe('bad input', () => {
  let system: TestSystem;
  let intake: ApiClient;
  let contracts: ApiClient;
  let enterpriseId: string;
  const park = `park-bad-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const token = await brokerToken(park);
    intake = system.api('intake', token);
    contracts = system.api('contract-tracking', token);
    enterpriseId = await createEnterprise(intake);
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function needTopicEndOffsets(): Promise<string> {
    const admin = system.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(system.topic(TOPICS.need));
    await admin.disconnect();
    return JSON.stringify(offsets.map((o) => [o.partition, o.high]).sort());
  }

  async function needEventsPublished(): Promise<number> {
    return (JSON.parse(await needTopicEndOffsets()) as [number, string][]).reduce((n, [, high]) => n + Number(high), 0);
  }

  function expectProblem(res: ApiResponse, status: number, pointer?: string) {
    // Compared as one plain object, so a failure prints what came back.
    const seen = { status: res.status, contentType: res.headers.get('content-type'), body: res.body as Record<string, unknown> };
    expect(seen).toMatchObject({
      status,
      contentType: expect.stringContaining('application/problem+json'),
      body: { status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+ \(\S+:\d+:\d+\)/); // no stack trace
    if (pointer) expect(seen.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, reason: expect.any(String) })]));
  }

  const valid = () => chipNeed(enterpriseId);
  const without = (field: string) => {
    const body: Record<string, unknown> = valid();
    delete body[field];
    return body;
  };

  // Rows are objects: with tuple rows of uneven length jest would pass `done` as the missing argument.
  type Case = { name: string; request: () => Promise<ApiResponse>; status: number; pointer?: string };
  const cases: Case[] = (
    [
    ['a missing field', () => intake.post('/needs', without('title')), 400, '/title'],
    ['a wrong-typed field', () => intake.post('/needs', { ...valid(), budgetMinFen: '100' }), 400, '/budgetMinFen'],
    ['a non-integer amount', () => intake.post('/needs', { ...valid(), budgetMaxFen: 12.5 }), 400, '/budgetMaxFen'],
    ['an unknown field', () => intake.post('/needs', { ...valid(), priority: 'high' }), 400, '/priority'],
    ['a value outside the vocabulary', () => intake.post('/needs', { ...valid(), category: '其他' }), 400, '/category'],
    ['a bad nested field', () => intake.post('/needs', { ...valid(), contact: { name: '王工', phone: '12345' } }), 400, '/contact/phone'],
    ['a Mongo operator as a value', () => intake.post('/needs', { ...valid(), title: { $gt: '' } }), 400, '/title/$gt'],
    ['a Mongo operator as a key', () => intake.post('/needs', { ...valid(), $where: 'sleep(1000)' }), 400, '/$where'],
    ['a dotted key', () => intake.post('/needs', { ...valid(), 'contact.phone': '13912345678' }), 400, '/contact.phone'],
    ['a __proto__ key', () => intake.send('POST', '/needs', JSON.stringify(valid()).replace(/^\{/, '{"__proto__":{"isAdmin":true},')), 400, '/__proto__'],
    ['an inverted budget', () => intake.post('/needs', { ...valid(), budgetMinFen: 9, budgetMaxFen: 1 }), 400, '/budgetMinFen'],
    ['a region code not in GB/T 2260 in a list', () => intake.post('/needs', { ...valid(), preferredRegionCodes: ['320500', '339999'] }), 400, '/preferredRegionCodes'],
    ['a hard region constraint without preferred regions', () => intake.post('/needs', { ...valid(), hardConstraints: ['region'] }), 400, '/hardConstraints'],
    ['an enterprise of no park of yours', () => intake.post('/needs', { ...valid(), enterpriseId: randomUUID() }), 400, '/enterpriseId'],
    ['malformed JSON', () => intake.send('POST', '/needs', '{"title": "a",'), 400],
    ['invalid UTF-8', () => intake.send('POST', '/needs', Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), 400],
    ['an oversized body', () => intake.post('/needs', { ...valid(), description: '需'.repeat(40_000) }), 413],
    ['an unknown need id', () => intake.get(`/needs/${randomUUID()}`), 404],
    ['a malformed id', () => intake.get('/needs/not-a-uuid'), 400, '/id'],
    ['a bad page size', () => intake.get('/needs?pageSize=1000'), 400, '/pageSize'],
    ['an unknown deal', () => contracts.post(`/deals/${randomUUID()}/sign`, signature(100, 50)), 404],
    ['a technology amount above the contract amount', () => contracts.post(`/deals/${randomUUID()}/sign`, signature(100, 500)), 400, '/techTransactionAmountFen'],
    ['a missing token', () => intake.as('').get('/needs'), 401],
    // Well-formed but one character mistyped: the GB 32100 check character (here it should be 4) fails.
    ['a NUL character in a text', () => intake.post('/needs', { ...valid(), title: '碳化硅\u0000封装' }), 400, '/title'],
    ['a control character deep in the body', () => intake.post('/needs', { ...valid(), contact: { name: '王工\u001b[2J', phone: '13912345678' } }), 400, '/contact/name'],
    ['a list of 20,000 parties', () => contracts.post(`/deals/${randomUUID()}/sign`, { ...signature(100, 50), parties: Array.from({ length: 20_000 }, () => ({})) }), 400, '/parties'],
    ['a token whose subject is 65 characters', async () => intake.as(await brokerToken(park, 'b'.repeat(65))).post('/needs', valid()), 401],
    ['a credit code failing its check character', () => intake.post('/enterprises', { name: '宁波某科技有限公司', creditCode: '91330206MA2XXXXX0K', regionCode: '330206' }), 400, '/creditCode'],
    ] as [string, () => Promise<ApiResponse>, number, string?][]
  ).map(([name, request, status, pointer]) => ({ name, request, status, pointer }));

  it.each(cases)('answers $name with a problem and writes nothing', async ({ request, status, pointer }) => {
    const countBefore = (await intake.get('/needs')).body.total;
    const offsetsBefore = await needTopicEndOffsets();
    expectProblem(await request(), status, pointer);
    expect((await intake.get('/needs')).body.total).toBe(countBefore);
    expect(await needTopicEndOffsets()).toBe(offsetsBefore);
  });

  it('answers a capture sent again with its Idempotency-Key with the first need, and refuses the key with another body', async () => {
    const otherPark = `${park}-idem`;
    const broker = intake.as(await brokerToken(otherPark));
    const body = chipNeed(await createEnterprise(broker));
    const key = `visit-2026-11-23-${randomUUID()}`;
    const eventsBefore = await needEventsPublished();

    const first = await broker.postWith('/needs', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await broker.postWith('/needs', reordered, { 'Idempotency-Key': key });
    expect({ status: again.status, id: again.body.id, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 201, id: first.body.id, replayed: 'true' });
    expectProblem(await broker.postWith('/needs', { ...body, title: '另一项需求' }, { 'Idempotency-Key': key }), 422);
    expectProblem(await broker.postWith('/needs', body, { 'Idempotency-Key': 'has a space' }), 400, 'header.Idempotency-Key');

    // One need recorded, one need captured published: the replays published nothing.
    expect((await broker.get('/needs')).body.total).toBe(1);
    await eventually(needEventsPublished, (n) => n === eventsBefore + 1, { what: 'the first capture to be published' });
    await new Promise((r) => setTimeout(r, 1_000)); // room for a wrong second publication
    expect(await needEventsPublished()).toBe(eventsBefore + 1);
  });

  it('answers a huge list with a small problem, and tells no one what serves it', async () => {
    const res = await contracts.post(`/deals/${randomUUID()}/sign`, { ...signature(100, 50), parties: Array.from({ length: 20_000 }, () => ({})) });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect((await intake.get('/needs')).headers.get('x-powered-by')).toBeNull();
  });

  it('never echoes a token sent in the query string', async () => {
    const token = await brokerToken(park);
    const response = await fetch(`${system.services.intake.url}/needs?access_token=${token}&page=1`);
    const body = await response.text();
    expect(response.status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ status: 401, instance: '/needs' });
    expect(body).not.toContain(token.slice(-20));
  });

  it('refuses a token issued in the future, one spelt in a non-canonical encoding, and two Authorization headers', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tenYears = 10 * 365 * 86400;
    const key = await importJWK(TEST_SIGNING_KEY, 'EdDSA');
    const future = await new SignJWT({ role: 'broker', park })
      .setProtectedHeader({ alg: 'EdDSA', ...(TEST_SIGNING_KEY.kid ? { kid: TEST_SIGNING_KEY.kid } : {}) })
      .setSubject('broker-future')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now + tenYears)
      .setExpirationTime(now + tenYears + 23 * 3600)
      .sign(key);
    const valid = await brokerToken(park);
    const [h, p, signature] = valid.split('.');
    const status = async (token: string) => (await intake.as(token).get('/needs')).status;
    expect(await status(valid)).toBe(200); // the controls below differ from this one only in what they test
    expect(await status(future)).toBe(401);
    expect(await status(`${h}.${p}.${signature}==`)).toBe(401);
    expect(await status(`${h}.${p}.${Buffer.from(signature, 'base64url').toString('base64')}`)).toBe(401);
    // node:http sends both header lines (fetch would join them into one).
    const twoHeaders = await new Promise<number>((resolve, reject) => {
      // A flat [name, value, name, value] list: node:http sends each pair as its own header line (and adds no Host).
      const url = new URL('/needs', system.services.intake.url);
      const req = request(url, { headers: ['Host', url.host, 'Authorization', `Bearer ${valid}`, 'Authorization', `Bearer ${valid}`] }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end();
    });
    expect(twoHeaders).toBe(401);
  });

  it('answers a method a resource does not have with 405 and Allow, and an unknown path with 404', async () => {
    const token = await brokerToken(park);
    // node:http, since fetch refuses to send TRACE.
    const send = (service: 'intake' | 'contract-tracking' | 'matching', method: string, path: string) =>
      new Promise<{ status: number; allow?: string; type?: string }>((resolve, reject) => {
        const req = request(new URL(path, system.services[service].url), { method, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, allow: res.headers.allow, type: res.headers['content-type'] }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await send('intake', 'TRACE', '/needs')).toEqual({ status: 405, allow: 'GET, HEAD, POST', type: expect.stringContaining('application/problem+json') });
    expect(await send('intake', 'DELETE', `/needs/${randomUUID()}`)).toMatchObject({ status: 405, allow: 'GET, HEAD, PATCH' });
    expect(await send('contract-tracking', 'PUT', `/deals/${randomUUID()}/sign`)).toMatchObject({ status: 405, allow: 'POST' });
    expect((await send('intake', 'DELETE', '/no-such-resource')).status).toBe(404);
    // A path spelt out is its own resource, though `/catalogue/:id` would also fit it.
    expect(await send('matching', 'GET', '/catalogue/import')).toMatchObject({ status: 405, allow: 'POST' });
    expect((await intake.get('/needs')).body.total).toBe(0);
  });

  it('sends nosniff with every answer: data, problems, files, pages and probes', async () => {
    const token = await brokerToken(park);
    const answers = [
      await fetch(`${system.services.intake.url}/needs`, { headers: { authorization: `Bearer ${token}` } }), // 200 JSON
      await fetch(`${system.services.intake.url}/needs`), // 401 problem
      await fetch(`${system.services.intake.url}/needs/${randomUUID()}`, { headers: { authorization: `Bearer ${token}` } }), // 404 problem
      await fetch(`${system.services.intake.url}/needs/imports/template`, { headers: { authorization: `Bearer ${token}` } }), // a download
      await fetch(`${system.services.matching.url}/docs`), // the OpenAPI UI
      await fetch(`${system.services['contract-tracking'].url}/health/live`), // a probe
      await fetch(`${system.services.reporting.url}/dashboard`), // a page
    ];
    for (const answer of answers) {
      await answer.arrayBuffer();
      expect({ url: answer.url, nosniff: answer.headers.get('x-content-type-options') }).toEqual({ url: answer.url, nosniff: 'nosniff' });
    }
  });

  it('still accepts the valid request the cases were derived from', async () => {
    const res = await intake.post('/needs', valid());
    expect(res.status).toBe(201);
    expect((await intake.get('/needs')).body.total).toBe(1);
  });
});
