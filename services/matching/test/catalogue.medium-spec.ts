import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EVENT_EXAMPLES, type PayloadOf } from '@tt/contracts';
import { adminToken, analystToken, brokerToken, eventually, MediumTier, type ApiClient, type ApiResponse } from '@tt/testing';

/**
 * Matching's supply catalogue in the medium tier: the sample catalogue seeded at start (each item
 * listed once, with its event), admins list, revise (If-Match: 428, 412) and retire items (409 once
 * retired), each change a `supply.*` event; other roles get 403; an item its kind does not allow is a
 * 400 naming the field that stores and publishes nothing; a new item reaches a need already scored once
 * its listing comes back from the supply topic, and a retired item's proposal can no longer be accepted.
 */
const SAMPLE = 'services/matching/catalogue/sample-catalogue.json';

describe('matching (medium tier): catalogue', () => {
  let tier: MediumTier;
  let admin: ApiClient;
  let broker: ApiClient;
  const park = `park-cat-${randomUUID().slice(0, 8)}`;
  const sampleIds = (JSON.parse(readFileSync(SAMPLE, 'utf8')) as { id: string }[]).map((i) => i.id);

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'matching',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
      // Catalogue changes are rescored per one-second window, so a change reaches scored needs quickly.
      env: { CATALOGUE_PATH: SAMPLE, CATALOGUE_RESCORE_WINDOW: '1s' },
    });
    admin = tier.api(await adminToken());
    broker = tier.api(await brokerToken(park));
  });

  afterAll(async () => {
    await tier?.stop();
  });

  /** An institution with terms no sample item has. */
  const institution = (overrides: Record<string, unknown> = {}) => ({
    kind: 'institution',
    name: `硫化物固态电池联合实验室 ${randomUUID().slice(0, 6)}`,
    organisation: '清华大学深圳国际研究生院',
    summary: '硫化物固态电解质与锂金属负极界面改性研究。',
    technicalField: 'new-energy',
    keywords: ['硫化物电解质', '锂金属负极', '固态电池'],
    regionCode: '440305',
    trl: 5,
    ...overrides,
  });
  const finance = {
    kind: 'finance-product',
    name: '“数智贷”数据资产质押科技贷',
    organisation: '南京银行科技支行',
    summary: '以数据资产和软件著作权质押，为专精特新企业提供研发贷款。',
    technicalField: 'high-tech-services',
    keywords: ['数据资产质押', '数智贷', '研发贷款'],
    regionCode: '320105',
    details: { providerType: 'bank', productType: 'ip-pledge-loan', amountMinFen: 50_000_000, amountMaxFen: 1_000_000_000, eligibility: ['specialised-sme'] },
  };
  const equipment = {
    kind: 'shared-equipment',
    name: '原子层沉积系统（ALD）',
    organisation: '苏州纳米技术与纳米仿生研究所加工平台',
    summary: '原子层沉积镀膜设备，可沉积氧化铝、氧化铪薄膜，按机时预约。',
    technicalField: 'new-materials',
    keywords: ['原子层沉积', 'ALD', '氧化铪'],
    regionCode: '320506',
    details: { instrument: 'Beneq TFS 200 原子层沉积系统', location: '苏州工业园区若水路398号', bookingTerms: '线上预约，按机时计费', pricePerHourFen: 120_000 },
  };

  const supplyEventsOf = (supplyId: string) =>
    tier.published.filter((e) => e.type.startsWith('cn.techtransfer.supply.') && ((e.data as { supplyId?: string; item?: { supplyId: string } }).item?.supplyId ?? (e.data as { supplyId?: string }).supplyId) === supplyId);
  const patch = (path: string, body: unknown, headers: Record<string, string> = {}) => admin.send('PATCH', path, JSON.stringify(body), 'application/json', headers);
  const settle = () => new Promise((r) => setTimeout(r, 300));

  function expectProblem(res: ApiResponse, status: number, type?: string) {
    expect({ status: res.status, contentType: res.headers.get('content-type'), body: res.body }).toMatchObject({
      status,
      contentType: expect.stringContaining('application/problem+json'),
      body: { status, ...(type ? { type } : {}) },
    });
  }

  async function list(body: Record<string, unknown>): Promise<{ id: string; etag: string }> {
    const res = await admin.post('/catalogue', body);
    expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
    return res.body;
  }

  it('seeds the sample catalogue once at start, each item with its supply listed, and lets anyone signed in browse it', async () => {
    // Staged while the app starts, before its relay runs: the relay's scan publishes them a few seconds later.
    const seeded = await eventually(
      async () => tier.publishedOf('cn.techtransfer.supply.listed.v1').filter((e) => e.data.by === 'catalogue-file'),
      (found) => found.length >= sampleIds.length,
      { timeoutMs: 30_000, what: 'the sample catalogue’s supply listed events' },
    );
    expect(seeded.map((e) => e.data.item.supplyId).sort()).toEqual([...sampleIds].sort());
    expect(seeded.every((e) => e.data.revision === 0 && e.source === '/techtransfer/matching')).toBe(true);

    const page = await broker.get('/catalogue?pageSize=100');
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(sampleIds.length);
    const item = await tier.api(await analystToken()).get('/catalogue/inst-0001');
    expect(item.status).toBe(200);
    expect(item.headers.get('etag')).toBe('"0"');
    expect(item.body).toMatchObject({ id: 'inst-0001', kind: 'institution', status: 'active', revision: 0 });
    expectProblem(await broker.get('/catalogue/inst-9999'), 404, '/problems/not-found');
    expectProblem(await broker.get('/catalogue/not-an-id'), 400);
    expectProblem(await tier.api().get('/catalogue'), 401);
  });

  it('lists an item for admins only: 201 with Location and ETag, and one supply listed carrying the item', async () => {
    for (const token of [await brokerToken(park), await analystToken()]) {
      expectProblem(await tier.api(token).post('/catalogue', finance), 403, '/problems/forbidden');
    }
    const created = await admin.post('/catalogue', finance);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'finance-product', status: 'active', revision: 0, createdBy: 'admin-1', details: finance.details });
    expect(created.body.id).toMatch(/^fin-[0-9a-f]{8}$/);
    expect(created.headers.get('location')).toBe(`/catalogue/${created.body.id}`);
    expect(created.headers.get('etag')).toBe('"0"');
    const [listed] = await tier.waitForPublished('cn.techtransfer.supply.listed.v1', 1, (e) => e.data.item.supplyId === created.body.id);
    expect(listed.data).toMatchObject({ revision: 0, by: 'admin-1', item: { supplyId: created.body.id, ...finance } });
    await settle();
    expect(supplyEventsOf(created.body.id)).toHaveLength(1);
    expect((await broker.get(`/catalogue?kind=finance-product&pageSize=100`)).body.items.filter((i: { name: string }) => i.name === finance.name)).toHaveLength(1);
  });

  // Rows are objects: with tuple rows of uneven length jest would pass `done` as the missing argument.
  const INVALID: { name: string; body: Record<string, unknown>; pointer: string }[] = [
    { name: 'a finance product without its details', body: { ...finance, name: '无详情的金融产品', details: undefined }, pointer: '/details' },
    { name: 'a loan whose minimum exceeds its maximum', body: { ...finance, name: '额度倒挂的贷款', details: { ...finance.details, amountMinFen: 2_000_000_000 } }, pointer: '/details/amountMinFen' },
    { name: 'an instrument with a TRL', body: { ...equipment, name: '带TRL的仪器', trl: 6 }, pointer: '/trl' },
    { name: 'an achievement without a TRL', body: { ...institution({ kind: 'achievement', name: '无TRL的成果' }), trl: undefined }, pointer: '/trl' },
    { name: 'a service area that names no region', body: institution({ name: '服务范围无效的实验室', serviceArea: ['999999'] }), pointer: '/serviceArea' },
    { name: 'an unknown region', body: institution({ name: '地区无效的实验室', regionCode: '999999' }), pointer: '/regionCode' },
    { name: 'no keywords', body: institution({ name: '无关键词的实验室', keywords: [] }), pointer: '/keywords' },
    { name: 'an unknown kind', body: institution({ name: '未知类型', kind: 'spaceship' }), pointer: '/kind' },
  ];

  it.each(INVALID)('answers $name with a 400 problem naming $pointer, and stores and publishes nothing', async ({ body, pointer }) => {
    const published = tier.publishedOf('cn.techtransfer.supply.listed.v1').length;
    const res = await admin.post('/catalogue', body);
    expectProblem(res, 400, '/problems/validation');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining([pointer]));
    await settle();
    expect(await tier.connection.collection('supply_items').countDocuments({ name: body.name as string })).toBe(0);
    expect(tier.publishedOf('cn.techtransfer.supply.listed.v1')).toHaveLength(published);
  });

  it('revises an item only with the ETag read (428 without, 412 stale), publishing the whole item as it now stands', async () => {
    const item = institution();
    const { id } = await list(item);
    expectProblem(await patch(`/catalogue/${id}`, { trl: 6 }), 428, '/problems/precondition-required');
    const stale = await patch(`/catalogue/${id}`, { trl: 6 }, { 'If-Match': '"3"' });
    expectProblem(stale, 412, '/problems/precondition-failed');
    expect(stale.body.currentETag).toBe('"0"');
    expectProblem(await patch(`/catalogue/${id}`, { trl: 5 }, { 'If-Match': '"0"' }), 400); // changes nothing
    expectProblem(await patch(`/catalogue/${id}`, { kind: 'expert' }, { 'If-Match': '"0"' }), 400);
    expectProblem(await broker.send('PATCH', `/catalogue/${id}`, JSON.stringify({ trl: 6 }), 'application/json', { 'If-Match': '"0"' }), 403);
    expect((await broker.get(`/catalogue/${id}`)).body).toMatchObject({ trl: 5, revision: 0 });

    const revised = await patch(`/catalogue/${id}`, { trl: 6, summary: `${item.summary}已完成中试。` }, { 'If-Match': '"0"' });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ trl: 6, revision: 1, summary: `${item.summary}已完成中试。` });
    expect(revised.headers.get('etag')).toBe('"1"');
    expectProblem(await patch(`/catalogue/${id}`, { trl: 7 }, { 'If-Match': '"0"' }), 412); // the ETag it was made against is stale now
    const [event] = await tier.waitForPublished('cn.techtransfer.supply.revised.v1', 1, (e) => e.data.item.supplyId === id);
    expect(event.data).toMatchObject({ revision: 1, by: 'admin-1', item: { ...item, trl: 6, summary: `${item.summary}已完成中试。` } });
    await settle();
    expect(supplyEventsOf(id).map((e) => e.type)).toEqual(['cn.techtransfer.supply.listed.v1', 'cn.techtransfer.supply.revised.v1']);
  });

  it('retires an item once: supply retired published, and revising or retiring it again is a 409', async () => {
    const { id } = await list(institution({ name: `将停用的实验室 ${randomUUID().slice(0, 6)}` }));
    expectProblem(await admin.postWith(`/catalogue/${id}/retire`, { reason: '机构资质到期' }, { 'If-Match': '"5"' }), 412);
    expectProblem(await admin.post(`/catalogue/${id}/retire`, {}), 400);
    const retired = await admin.post(`/catalogue/${id}/retire`, { reason: '机构资质到期，暂停服务' });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ status: 'retired', revision: 1, retired: { reason: '机构资质到期，暂停服务', by: 'admin-1' } });
    const [event] = await tier.waitForPublished('cn.techtransfer.supply.retired.v1', 1, (e) => e.data.supplyId === id);
    expect(event.data).toMatchObject({ supplyId: id, kind: 'institution', reason: '机构资质到期，暂停服务', revision: 1 });

    const again = await admin.post(`/catalogue/${id}/retire`, { reason: '再次停用' });
    expectProblem(again, 409, '/problems/conflict');
    expect(again.body.currentStatus).toBe('retired');
    expectProblem(await patch(`/catalogue/${id}`, { trl: 6 }, { 'If-Match': '"1"' }), 409);
    expect((await broker.get('/catalogue?status=active&pageSize=100')).body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await broker.get('/catalogue?status=retired&pageSize=100')).body.items.map((i: { id: string }) => i.id)).toContain(id);
    await settle();
    expect(supplyEventsOf(id).map((e) => e.type)).toEqual(['cn.techtransfer.supply.listed.v1', 'cn.techtransfer.supply.retired.v1']);
  });

  it('lists one item for a POST retried with its Idempotency-Key, and refuses the key with another body', async () => {
    const item = institution({ kind: 'expert', name: `赵明 研究员 ${randomUUID().slice(0, 6)}`, trl: undefined });
    const key = `item-${randomUUID()}`;
    const first = await admin.postWith('/catalogue', item, { 'Idempotency-Key': key });
    const again = await admin.postWith('/catalogue', item, { 'Idempotency-Key': key });
    expect([first.status, again.status]).toEqual([201, 201]);
    expect({ id: again.body.id, location: again.headers.get('location'), replayed: again.headers.get('idempotent-replayed') }).toEqual({
      id: first.body.id,
      location: `/catalogue/${first.body.id}`,
      replayed: 'true',
    });
    expectProblem(await admin.postWith('/catalogue', { ...item, summary: '另一份简介' }, { 'Idempotency-Key': key }), 422, '/problems/idempotency-key-reused');
    await tier.waitForPublished('cn.techtransfer.supply.listed.v1', 1, (e) => e.data.item.supplyId === first.body.id);
    await settle();
    expect(await tier.connection.collection('supply_items').countDocuments({ name: item.name })).toBe(1);
    expect(tier.publishedOf('cn.techtransfer.supply.listed.v1').filter((e) => e.data.item.name === item.name)).toHaveLength(1);
  });

  describe('changes reaching needs', () => {
    const need = (overrides: Partial<PayloadOf<'cn.techtransfer.need.captured.v1'>> = {}) =>
      MediumTier.event('cn.techtransfer.need.captured.v1', {
        ...EVENT_EXAMPLES['cn.techtransfer.need.captured.v1'],
        needId: randomUUID(),
        parkId: park,
        brokerId: `broker-${park}`,
        regionCode: '320506',
        title: '锂金属负极固态电解质界面改性',
        description: '需要锂金属负极与硫化物固态电解质界面改性方案。',
        category: 'tech-breakthrough',
        technicalField: 'new-energy',
        keywords: ['锂金属负极', '硫化物电解质'],
        capturedAt: new Date().toISOString(),
        ...overrides,
      });
    const proposalsFor = (needId: string, accept: (proposals: { supplyId: string; proposalId: string }[]) => boolean, what: string) =>
      eventually(
        () => broker.get(`/needs/${needId}/proposals`),
        (r) => r.status === 200 && r.body.status === 'proposed' && accept(r.body.proposals),
        { timeoutMs: 30_000, what },
      ).then((r) => r.body.proposals as { supplyId: string; proposalId: string; rank: number }[]);

    it('brings a new item to a need already scored, and a retired item is no longer accepted nor proposed', async () => {
      const scored = need();
      expect(await tier.deliver(scored)).toBe('handled');
      const first = await proposalsFor(scored.data.needId, (p) => p.length > 0, 'the need’s first proposals');

      const { id } = await list(institution());
      expect(first.map((p) => p.supplyId)).not.toContain(id);
      // Matching fans catalogue changes out from its own supply topic, which Kafka would bring back to it.
      const [listed] = await tier.waitForPublished('cn.techtransfer.supply.listed.v1', 1, (e) => e.data.item.supplyId === id);
      expect(await tier.deliver(listed)).toBe('handled');
      const later = await proposalsFor(scored.data.needId, (p) => p.some((x) => x.supplyId === id), 'the new item proposed to the scored need');
      expect(later[0].supplyId).toBe(id);
      const runs = await tier.waitForPublished('cn.techtransfer.match.proposed.v1', 2, (e) => e.data.needId === scored.data.needId);
      expect(runs[1].data.proposals.map((p) => p.supplyId)).toContain(id);

      const retired = await admin.post(`/catalogue/${id}/retire`, { reason: '实验室停止对外合作' });
      expect(retired.status).toBe(200);
      const [retiredEvent] = await tier.waitForPublished('cn.techtransfer.supply.retired.v1', 1, (e) => e.data.supplyId === id);
      expect(await tier.deliver(retiredEvent)).toBe('handled');
      const refused = await broker.post(`/proposals/${later[0].proposalId}/accept`);
      expectProblem(refused, 409);
      expect(refused.body.supplyStatus).toBe('retired');
      expect(tier.publishedOf('cn.techtransfer.match.accepted.v1').filter((e) => e.data.proposalId === later[0].proposalId)).toHaveLength(0);

      // A need asking for the same, captured now, is never proposed the retired item.
      const fresh = need();
      expect(await tier.deliver(fresh)).toBe('handled');
      const proposals = await proposalsFor(fresh.data.needId, () => true, 'the fresh need’s proposals');
      expect(proposals.map((p) => p.supplyId)).not.toContain(id);
    });
  });
});
