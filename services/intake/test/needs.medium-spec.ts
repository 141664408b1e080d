import { randomUUID } from 'node:crypto';
import { adminToken, analystToken, brokerToken, chipNeed, creditCode, MediumTier, type ApiClient, type ApiResponse } from '@tt/testing';

/**
 * Intake's enterprises and needs in the medium tier: its Nest modules with the platform's HTTP edge, on
 * the real MongoDB-wire server and Redis, Kafka replaced by the captured outbox. Proven here: an
 * enterprise once per credit code and park (409); a need captured publishes need captured once, with
 * what matching needs and never the contact; revisions only against the current ETag (428, 412);
 * withdrawal and closure, each once (409); another park sees 404; analysts and admins 403; bad input a
 * 400 problem naming the field that stores and publishes nothing; an Idempotency-Key replay answers
 * the first result and records once, and the same key with another body is a 422.
 */
describe('intake (medium tier): enterprises and needs', () => {
  let tier: MediumTier;
  let broker: ApiClient;
  let otherPark: ApiClient;
  let enterpriseId: string;
  /** An enterprise with no qualifications recorded (a hard eligibility constraint cannot hold for it). */
  let bareEnterpriseId: string;
  const park = `park-in-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'intake',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
    });
    broker = tier.api(await brokerToken(park));
    otherPark = tier.api(await brokerToken(`${park}-other`));
    enterpriseId = (await recordEnterprise(broker, { qualifications: ['high-tech-enterprise', 'listed-company'] })).id;
    bareEnterpriseId = (await recordEnterprise(broker, { name: '苏州无资质科技有限公司' })).id;
  });

  afterAll(async () => {
    await tier?.stop();
  });

  async function recordEnterprise(client: ApiClient, overrides: Record<string, unknown> = {}) {
    const res = await client.post('/enterprises', { name: '苏州芯联微电子股份有限公司', creditCode: creditCode(), regionCode: '320506', industryCode: 'C3973', ...overrides });
    expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
    return res.body as { id: string; creditCode: string; etag: string };
  }

  async function captureNeed(overrides: Record<string, unknown> = {}): Promise<{ id: string; etag: string; [k: string]: unknown }> {
    const res = await broker.post('/needs', chipNeed(enterpriseId, overrides));
    expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
    return res.body;
  }

  const patch = (client: ApiClient, path: string, body: unknown, headers: Record<string, string> = {}) => client.send('PATCH', path, JSON.stringify(body), 'application/json', headers);
  const needEvents = (needId: string) => tier.published.filter((e) => e.type.startsWith('cn.techtransfer.need.') && (e.data as { needId: string }).needId === needId);
  const storedNeeds = () => tier.connection.collection('needs').countDocuments({});
  const storedNeedIds = async () => new Set((await tier.connection.collection('needs').find({}, { projection: { _id: 1 } }).toArray()).map((n) => String(n._id)));
  /** Room for a wrongly staged event to be relayed, before asserting that none was. */
  const settle = () => new Promise((r) => setTimeout(r, 300));

  function expectProblem(res: ApiResponse, status: number, type?: string) {
    expect({ status: res.status, contentType: res.headers.get('content-type'), body: res.body }).toMatchObject({
      status,
      contentType: expect.stringContaining('application/problem+json'),
      body: { status, title: expect.any(String), ...(type ? { type } : {}) },
    });
  }

  describe('enterprises', () => {
    it('records an enterprise with its region’s name, and a second with the same credit code in the park is a 409 problem', async () => {
      const code = creditCode();
      const created = await broker.post('/enterprises', { name: '苏州园区精工智能装备有限公司', creditCode: code, regionCode: '320506', qualifications: ['tech-sme'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ creditCode: code, parkId: park, regionName: '江苏省苏州市吴中区', qualifications: ['tech-sme'], etag: '"0"' });
      const read = await broker.get(`/enterprises/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"0"');

      const again = await broker.post('/enterprises', { name: '另一个名字', creditCode: code, regionCode: '320505' });
      expectProblem(again, 409, '/problems/conflict');
      expect(again.body.detail).toContain(code);
      expect((await broker.get(`/enterprises/${created.body.id}`)).body.name).toBe('苏州园区精工智能装备有限公司');
      // The credit code is unique per park: another park records the same enterprise for itself.
      expect((await otherPark.post('/enterprises', { name: '苏州园区精工智能装备有限公司', creditCode: code, regionCode: '320506' })).status).toBe(201);
    });

    it('checks the credit code’s check character and the region, naming the field', async () => {
      const badCheck = await broker.post('/enterprises', { name: '宁波某科技有限公司', creditCode: '91330206MA2XXXXX0K', regionCode: '330206' });
      expectProblem(badCheck, 400, '/problems/validation');
      expect(badCheck.body.errors).toEqual([expect.objectContaining({ pointer: '/creditCode' })]);
      const unknownRegion = await broker.post('/enterprises', { name: '某科技有限公司', creditCode: creditCode(), regionCode: '339999' });
      expectProblem(unknownRegion, 400, '/problems/validation');
      expect(unknownRegion.body.errors).toEqual([expect.objectContaining({ pointer: '/regionCode', reason: expect.stringContaining('GB/T 2260') })]);
    });

    it('revises an enterprise only with the ETag read, and never its credit code', async () => {
      const { id } = await recordEnterprise(broker, { name: '苏州待改名科技有限公司' });
      expectProblem(await patch(broker, `/enterprises/${id}`, { regionCode: '330206' }), 428, '/problems/precondition-required');
      const stale = await patch(broker, `/enterprises/${id}`, { regionCode: '330206' }, { 'If-Match': '"7"' });
      expectProblem(stale, 412, '/problems/precondition-failed');
      expect(stale.body.currentETag).toBe('"0"');
      const immutable = await patch(broker, `/enterprises/${id}`, { creditCode: creditCode() }, { 'If-Match': '"0"' });
      expectProblem(immutable, 400);
      expect(immutable.body.errors).toEqual([expect.objectContaining({ pointer: '/creditCode' })]);
      expect((await broker.get(`/enterprises/${id}`)).body.regionCode).toBe('320506');

      const revised = await patch(broker, `/enterprises/${id}`, { regionCode: '330206' }, { 'If-Match': '"0"' });
      expect(revised.status).toBe(200);
      expect(revised.body).toMatchObject({ regionCode: '330206', regionName: '浙江省宁波市北仑区' });
      expect(revised.headers.get('etag')).toBe('"1"');
      expect((await patch(otherPark, `/enterprises/${id}`, { name: '别的园区改名' }, { 'If-Match': '"1"' })).status).toBe(404);
    });
  });

  describe('capture', () => {
    it('captures a need and publishes need captured once, with what matching needs and without the contact', async () => {
      const need = await captureNeed({ supplyKinds: ['institution', 'expert'], minTrl: 6, preferredRegionCodes: ['320500', '310000'], hardConstraints: ['region'] });
      expect(need).toMatchObject({ status: 'open', revision: 0, etag: '"0"', parkId: park, brokerId: `broker-${park}`, contact: { name: '王工', phone: '13912345678' } });
      expect(need).not.toHaveProperty('outbox');
      expect(need).not.toHaveProperty('request');

      const [captured] = await tier.waitForPublished('cn.techtransfer.need.captured.v1', 1, (e) => e.data.needId === need.id);
      expect(captured.source).toBe('/techtransfer/intake');
      expect(captured.subject).toBe(need.id);
      expect(captured.data).toMatchObject({
        needId: need.id,
        enterpriseId,
        enterpriseName: '苏州芯联微电子股份有限公司',
        parkId: park,
        brokerId: `broker-${park}`,
        regionCode: '320506',
        industryCode: 'C3973',
        title: '年产300万颗物联网芯片的低功耗芯片设计',
        category: 'tech-breakthrough',
        technicalField: 'electronic-information',
        keywords: ['芯片设计', '低功耗', '集成电路'],
        budgetMinFen: 100_000_000,
        budgetMaxFen: 500_000_000,
        cooperationModes: ['joint-development'],
        confidentiality: 'park-only',
        supplyKinds: ['institution', 'expert'],
        minTrl: 6,
        preferredRegionCodes: ['320500', '310000'],
        hardConstraints: ['region'],
        enterpriseQualifications: ['high-tech-enterprise', 'listed-company'],
      });
      expect(captured.data).not.toHaveProperty('contact');
      expect(JSON.stringify(captured.data)).not.toContain('13912345678');

      const read = await broker.get(`/needs/${need.id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"0"');
      expect(read.body.history).toEqual([expect.objectContaining({ status: 'open', cause: 'captured' })]);
      expect((await broker.get('/needs?status=open&pageSize=100')).body.items.map((n: { id: string }) => n.id)).toContain(need.id);
      await settle();
      expect(needEvents(need.id).map((e) => e.type)).toEqual(['cn.techtransfer.need.captured.v1']);
    });

    it('logs a follow-up on a need without publishing anything, and names each bad field of one', async () => {
      const need = await captureNeed({ title: '功率器件可靠性测试' });
      const logged = await broker.post(`/needs/${need.id}/follow-ups`, { kind: 'visit', note: '走访企业，确认测试指标', on: '2026-11-20' });
      expect(logged.status).toBe(201);
      expect(logged.body.followUps).toEqual([expect.objectContaining({ kind: 'visit', note: '走访企业，确认测试指标', on: '2026-11-20', by: `broker-${park}` })]);
      const bad = await broker.post(`/needs/${need.id}/follow-ups`, { kind: 'gossip', note: '' });
      expectProblem(bad, 400, '/problems/validation');
      expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/kind', '/note']);
      await tier.waitForPublished('cn.techtransfer.need.captured.v1', 1, (e) => e.data.needId === need.id);
      await settle();
      expect(needEvents(need.id).map((e) => e.type)).toEqual(['cn.techtransfer.need.captured.v1']);
    });
  });

  describe('revision', () => {
    it('revises only with the current ETag (428 without, 412 stale), publishes need revised and counts the revision', async () => {
      const need = await captureNeed({ title: '低功耗芯片设计（待修订）' });
      const change = { title: '低功耗物联网芯片设计与流片验证', keywords: ['芯片设计', '流片', '低功耗'], budgetMaxFen: 600_000_000 };

      expectProblem(await patch(broker, `/needs/${need.id}`, change), 428, '/problems/precondition-required');
      const stale = await patch(broker, `/needs/${need.id}`, change, { 'If-Match': '"9"' });
      expectProblem(stale, 412, '/problems/precondition-failed');
      expect(stale.body.currentETag).toBe('"0"');
      const inverted = await patch(broker, `/needs/${need.id}`, { budgetMinFen: 900_000_000 }, { 'If-Match': '"0"' });
      expectProblem(inverted, 400, '/problems/validation');
      expect(inverted.body.errors).toEqual([expect.objectContaining({ pointer: '/budgetMinFen' })]);
      expectProblem(await patch(broker, `/needs/${need.id}`, {}, { 'If-Match': '"0"' }), 400);
      // None of these changed the need or published anything.
      expect((await broker.get(`/needs/${need.id}`)).body).toMatchObject({ title: '低功耗芯片设计（待修订）', revision: 0, etag: '"0"' });

      const revised = await patch(broker, `/needs/${need.id}`, change, { 'If-Match': '"0"' });
      expect(revised.status).toBe(200);
      expect(revised.body).toMatchObject({ ...change, revision: 1, status: 'open', enterpriseId });
      expect(revised.headers.get('etag')).toBe('"1"');
      // The same If-Match again is stale now: of two brokers editing one version, one wins.
      expectProblem(await patch(broker, `/needs/${need.id}`, { title: '另一位经纪人的改动' }, { 'If-Match': '"0"' }), 412);

      const [event] = await tier.waitForPublished('cn.techtransfer.need.revised.v1', 1, (e) => e.data.needId === need.id);
      expect(event.data).toMatchObject({ needId: need.id, parkId: park, revision: 1, ...change, budgetMinFen: 100_000_000, enterpriseName: '苏州芯联微电子股份有限公司' });
      expect(event.data).not.toHaveProperty('contact');
      await settle();
      expect(needEvents(need.id).map((e) => e.type)).toEqual(['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.revised.v1']);

      const second = await patch(broker, `/needs/${need.id}`, { minTrl: 5 }, { 'If-Match': revised.headers.get('etag')! });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ revision: 2, minTrl: 5, title: change.title });
      const [again] = await tier.waitForPublished('cn.techtransfer.need.revised.v1', 1, (e) => e.data.needId === need.id && e.data.revision === 2);
      expect(again.data).toMatchObject({ minTrl: 5, title: change.title });
    });
  });

  describe('withdrawal and closure', () => {
    it('withdraws a need once: need withdrawn published, then withdrawing, closing or revising it is a 409', async () => {
      const need = await captureNeed({ title: '芯片封装需求（将撤回）' });
      const withdrawn = await broker.post(`/needs/${need.id}/withdraw`, { reason: '企业调整研发计划' });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawal: { reason: '企业调整研发计划', by: `broker-${park}` } });
      const [event] = await tier.waitForPublished('cn.techtransfer.need.withdrawn.v1', 1, (e) => e.data.needId === need.id);
      expect(event.data).toMatchObject({ needId: need.id, parkId: park, reason: '企业调整研发计划' });

      const twice = await broker.post(`/needs/${need.id}/withdraw`, { reason: '再次撤回' });
      expectProblem(twice, 409, '/problems/conflict');
      expect(twice.body.currentStatus).toBe('withdrawn');
      expectProblem(await broker.post(`/needs/${need.id}/close`, { outcome: 'resolved' }), 409);
      expectProblem(await patch(broker, `/needs/${need.id}`, { title: '改名' }, { 'If-Match': withdrawn.headers.get('etag')! }), 409);
      await settle();
      expect(needEvents(need.id).map((e) => e.type)).toEqual(['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.withdrawn.v1']);
      expect((await broker.get('/needs?status=withdrawn&pageSize=100')).body.items.map((n: { id: string }) => n.id)).toContain(need.id);
    });

    it('closes a need with an outcome once, and honours an If-Match sent with it', async () => {
      const need = await captureNeed({ title: '芯片封装需求（将关闭）' });
      expectProblem(await broker.post(`/needs/${need.id}/close`, { outcome: 'solved-somehow' }), 400);
      expectProblem(await broker.postWith(`/needs/${need.id}/close`, { outcome: 'resolved' }, { 'If-Match': '"3"' }), 412);
      const closed = await broker.postWith(`/needs/${need.id}/close`, { outcome: 'resolved-elsewhere', note: '企业已自行找到合作院所' }, { 'If-Match': '"0"' });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({ status: 'closed', closure: { outcome: 'resolved-elsewhere', note: '企业已自行找到合作院所' } });
      expect(closed.body.history.map((h: { status: string }) => h.status)).toEqual(['open', 'closed']);
      const [event] = await tier.waitForPublished('cn.techtransfer.need.closed.v1', 1, (e) => e.data.needId === need.id);
      expect(event.data).toMatchObject({ needId: need.id, outcome: 'resolved-elsewhere', note: '企业已自行找到合作院所' });
      expectProblem(await broker.post(`/needs/${need.id}/close`, { outcome: 'resolved' }), 409);
      expectProblem(await broker.post(`/needs/${need.id}/withdraw`, { reason: '太晚了' }), 409);
      await settle();
      expect(needEvents(need.id).map((e) => e.type)).toEqual(['cn.techtransfer.need.captured.v1', 'cn.techtransfer.need.closed.v1']);
    });
  });

  describe('who may do what', () => {
    it('keeps another park’s needs and enterprises out of sight: 404 everywhere, and its enterprise is no enterprise of theirs', async () => {
      const need = await captureNeed({ title: '本园区的需求' });
      const cases: [string, Promise<ApiResponse>][] = [
        ['read', otherPark.get(`/needs/${need.id}`)],
        ['revise', patch(otherPark, `/needs/${need.id}`, { title: '越权修改' }, { 'If-Match': '"0"' })],
        ['withdraw', otherPark.post(`/needs/${need.id}/withdraw`, { reason: '越权撤回' })],
        ['close', otherPark.post(`/needs/${need.id}/close`, { outcome: 'resolved' })],
        ['follow up', otherPark.post(`/needs/${need.id}/follow-ups`, { kind: 'note', note: '越权备注' })],
        ['read the enterprise', otherPark.get(`/enterprises/${enterpriseId}`)],
      ];
      for (const [what, request] of cases) {
        const res = await request;
        expect({ what, status: res.status, type: res.body?.type }).toEqual({ what, status: 404, type: '/problems/not-found' });
      }
      expect((await otherPark.get('/needs?pageSize=100')).body.items.map((n: { id: string }) => n.id)).not.toContain(need.id);
      const foreign = await otherPark.post('/needs', chipNeed(enterpriseId));
      expectProblem(foreign, 400);
      expect(foreign.body.errors).toEqual([expect.objectContaining({ pointer: '/enterpriseId' })]);
      // Nothing the other park tried changed the need.
      const after = (await broker.get(`/needs/${need.id}`)).body;
      expect(after).toMatchObject({ title: '本园区的需求', status: 'open', etag: '"0"' });
      expect(after.followUps ?? []).toEqual([]);
    });

    it('refuses analysts and admins on the brokers’ routes (403) and callers without a token (401), storing nothing', async () => {
      const analyst = tier.api(await analystToken());
      const admin = tier.api(await adminToken());
      const before = await storedNeeds();
      const cases: [string, () => Promise<ApiResponse>, number][] = [
        ['an analyst capturing a need', () => analyst.post('/needs', chipNeed(enterpriseId)), 403],
        ['an analyst listing needs', () => analyst.get('/needs'), 403],
        ['an admin recording an enterprise', () => admin.post('/enterprises', { name: '管理员的企业', creditCode: creditCode(), regionCode: '320506' }), 403],
        ['an admin reading reminders', () => admin.get('/reminders'), 403],
        ['an analyst uploading a form', () => analyst.upload('/needs/imports', 'needs.csv', Buffer.from('需求名称\n芯片\n')), 403],
        ['no token', () => tier.api().post('/needs', chipNeed(enterpriseId)), 401],
      ];
      for (const [what, request, status] of cases) {
        const res = await request();
        expect({ what, status: res.status, type: res.body?.type }).toEqual({ what, status, type: status === 403 ? '/problems/forbidden' : '/problems/unauthorized' });
      }
      expect(await storedNeeds()).toBe(before);
      expect((await tier.connection.collection('enterprises').countDocuments({ name: '管理员的企业' }))).toBe(0);
    });
  });

  describe('bad input', () => {
    const without = (body: Record<string, unknown>, field: string) => {
      const copy = { ...body };
      delete copy[field];
      return copy;
    };
    // Rows are objects: with tuple rows of uneven length jest would pass `done` as the missing argument.
    const CASES: { name: string; body: () => Record<string, unknown>; pointer: string }[] = [
      { name: 'a missing title', body: () => without(chipNeed(enterpriseId), 'title'), pointer: '/title' },
      { name: 'a budget sent as a string', body: () => chipNeed(enterpriseId, { budgetMinFen: '100' }), pointer: '/budgetMinFen' },
      { name: 'an amount that is not whole fen', body: () => chipNeed(enterpriseId, { budgetMaxFen: 12.5 }), pointer: '/budgetMaxFen' },
      { name: 'a field the API does not know', body: () => chipNeed(enterpriseId, { priority: 'high' }), pointer: '/priority' },
      { name: 'a category outside the vocabulary', body: () => chipNeed(enterpriseId, { category: '其他' }), pointer: '/category' },
      { name: 'a bad phone number in the contact', body: () => chipNeed(enterpriseId, { contact: { name: '王工', phone: '12345' } }), pointer: '/contact/phone' },
      { name: 'a Mongo operator as a key', body: () => chipNeed(enterpriseId, { $where: 'sleep(1000)' }), pointer: '/$where' },
      { name: 'a TRL of 10', body: () => chipNeed(enterpriseId, { minTrl: 10 }), pointer: '/minTrl' },
      { name: 'a budget minimum above its maximum', body: () => chipNeed(enterpriseId, { budgetMinFen: 9, budgetMaxFen: 1 }), pointer: '/budgetMinFen' },
      { name: 'a region both preferred and excluded', body: () => chipNeed(enterpriseId, { preferredRegionCodes: ['320500'], excludedRegionCodes: ['320500'] }), pointer: '/excludedRegionCodes' },
      { name: 'a hard region constraint without preferred regions', body: () => chipNeed(enterpriseId, { hardConstraints: ['region'] }), pointer: '/hardConstraints' },
      { name: 'a hard eligibility for an enterprise without qualifications', body: () => chipNeed(bareEnterpriseId, { hardConstraints: ['eligibility'] }), pointer: '/hardConstraints' },
      { name: 'an enterprise that is not in the park', body: () => chipNeed(randomUUID()), pointer: '/enterpriseId' },
    ];

    it.each(CASES)('answers $name with a 400 problem naming $pointer, and stores and publishes nothing', async ({ body, pointer }) => {
      const stored = await storedNeedIds();
      const res = await broker.post('/needs', body());
      expectProblem(res, 400, '/problems/validation');
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, reason: expect.any(String) })]));
      expect(JSON.stringify(res.body)).not.toMatch(/\bat \S+ \(\S+:\d+:\d+\)/); // no stack trace
      await settle();
      expect(await storedNeeds()).toBe(stored.size);
      // No need captured published but of needs stored before.
      expect(tier.publishedOf('cn.techtransfer.need.captured.v1').filter((e) => !stored.has(e.data.needId))).toEqual([]);
    });

    it('answers malformed JSON with a 400 problem and stores nothing', async () => {
      const stored = await storedNeeds();
      expectProblem(await broker.send('POST', '/needs', '{"title": "a",'), 400);
      expect(await storedNeeds()).toBe(stored);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a capture sent again with its key with the first need, records and publishes once, and refuses the key with another body', async () => {
      const body = chipNeed(enterpriseId, { title: '走访后补录的需求' });
      const key = `visit-2026-11-23-${randomUUID()}`;
      const stored = await storedNeeds();

      const first = await broker.postWith('/needs', body, { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      // The same body with its keys in another order is the same request.
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await broker.postWith('/needs', reordered, { 'Idempotency-Key': key });
      expect({ status: again.status, id: again.body.id, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 201, id: first.body.id, replayed: 'true' });
      expect(again.body).toEqual(first.body);

      const reused = await broker.postWith('/needs', { ...body, title: '另一项需求' }, { 'Idempotency-Key': key });
      expectProblem(reused, 422, '/problems/idempotency-key-reused');
      const badKey = await broker.postWith('/needs', body, { 'Idempotency-Key': 'has a space' });
      expectProblem(badKey, 400);
      expect(badKey.body.errors).toEqual([expect.objectContaining({ pointer: 'header.Idempotency-Key' })]);

      await tier.waitForPublished('cn.techtransfer.need.captured.v1', 1, (e) => e.data.needId === first.body.id);
      await settle();
      expect(await storedNeeds()).toBe(stored + 1);
      expect(tier.publishedOf('cn.techtransfer.need.captured.v1').filter((e) => e.data.title === '走访后补录的需求')).toHaveLength(1);
      expect((await broker.get(`/needs/${first.body.id}`)).body.title).toBe('走访后补录的需求');

      // Keys belong to their caller: another park's broker with the same key records its own need.
      const theirs = await otherPark.postWith('/needs', chipNeed((await recordEnterprise(otherPark)).id, { title: '走访后补录的需求' }), { 'Idempotency-Key': key });
      expect(theirs.status).toBe(201);
      expect(theirs.body.id).not.toBe(first.body.id);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });

    it('records an enterprise once for a retried POST, and refuses its key with another body', async () => {
      const body = { name: '苏州幂等测试科技有限公司', creditCode: creditCode(), regionCode: '320506' };
      const key = `ent-${randomUUID()}`;
      const first = await broker.postWith('/enterprises', body, { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      const again = await broker.postWith('/enterprises', body, { 'Idempotency-Key': key });
      expect({ status: again.status, id: again.body.id, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 201, id: first.body.id, replayed: 'true' });
      // Without the key the same body is a new request: the credit code is taken.
      expectProblem(await broker.post('/enterprises', body), 409);
      expectProblem(await broker.postWith('/enterprises', { ...body, name: '另一家' }, { 'Idempotency-Key': key }), 422, '/problems/idempotency-key-reused');
      expect(await tier.connection.collection('enterprises').countDocuments({ parkId: park, creditCode: body.creditCode })).toBe(1);
    });

    it('answers a retried withdrawal with its first answer instead of a 409, and publishes once', async () => {
      const need = await captureNeed({ title: '重试撤回的需求' });
      const key = `withdraw-${randomUUID()}`;
      const first = await broker.postWith(`/needs/${need.id}/withdraw`, { reason: '企业暂缓' }, { 'Idempotency-Key': key });
      expect(first.status).toBe(200);
      const retried = await broker.postWith(`/needs/${need.id}/withdraw`, { reason: '企业暂缓' }, { 'Idempotency-Key': key });
      expect({ status: retried.status, replayed: retried.headers.get('idempotent-replayed'), etag: retried.headers.get('etag') }).toEqual({
        status: 200,
        replayed: 'true',
        etag: first.headers.get('etag'),
      });
      expect(retried.body).toEqual(first.body);
      expectProblem(await broker.post(`/needs/${need.id}/withdraw`, { reason: '企业暂缓' }), 409); // no key: the state machine answers
      await tier.waitForPublished('cn.techtransfer.need.withdrawn.v1', 1, (e) => e.data.needId === need.id);
      await settle();
      expect(tier.publishedOf('cn.techtransfer.need.withdrawn.v1').filter((e) => e.data.needId === need.id)).toHaveLength(1);
    });
  });
});
