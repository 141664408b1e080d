import { adminToken, analystToken, brokerToken, eventually, KafkaProbe, TestSystem, type ApiClient } from '@tt/testing';
import { TOPICS } from '@tt/contracts';
import ExcelJS from 'exceljs';
import { Queue } from 'bullmq';
import { redisConnection } from '@tt/platform';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, registration, signature } from './broker-workflow';

/**
 * The catalogue managed through matching's API: an admin lists, revises and retires items of the six
 * kinds, each change an event on the supply topic; a change reaches needs already scored; a retired
 * item is never proposed or accepted; and an item of each kind goes from listing to a proposal and a
 * registered contract.
 */
describe('the supply catalogue, managed', () => {
  let system: TestSystem;
  let probe: KafkaProbe;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, reporting: ApiClient, admin: ApiClient;
  const park = `park-cat-${Date.now().toString(36)}`;
  let enterpriseId: string;

  beforeAll(async () => {
    system = await TestSystem.start();
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    contracts = system.api('contract-tracking', broker);
    reporting = system.api('reporting', await analystToken());
    admin = system.api('matching', await adminToken());
    probe = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.supply)]);
    enterpriseId = await createEnterprise(intake);
  });

  const closeAfter: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const close of closeAfter) await close().catch(() => undefined);
    await probe?.stop();
    await system?.stop();
  });

  /** Waits until the need's latest proposals include the supply. */
  async function proposalOf(needId: string, supplyId: string) {
    const res = await eventually(
      () => matching.get(`/needs/${needId}/proposals`),
      (r) => r.status === 200 && r.body.proposals.some((p: { supplyId: string }) => p.supplyId === supplyId),
      { timeoutMs: 60_000, what: `a proposal of ${supplyId} for need ${needId}` },
    );
    return res.body.proposals.find((p: { supplyId: string }) => p.supplyId === supplyId) as { proposalId: string; rank: number; supplyKind: string };
  }

  /** An item of each kind, with terms no sample item has, and the need that asks for it. */
  const KINDS = [
    {
      kind: 'institution',
      item: { name: '太赫兹超材料联合实验室', organisation: '电子科技大学', summary: '太赫兹超材料器件设计与太赫兹成像系统联合研发平台。', technicalField: 'electronic-information', keywords: ['太赫兹', '超材料', '太赫兹成像'], regionCode: '510107', trl: 5 },
      need: { title: '太赫兹安检成像超材料器件联合研发', keywords: ['太赫兹', '超材料'] },
      contractType: 'development',
    },
    {
      kind: 'expert',
      item: { name: '李明 教授（钙钛矿叠层电池）', organisation: '南京大学', summary: '长期从事钙钛矿叠层太阳电池与界面钝化研究。', technicalField: 'new-energy', keywords: ['钙钛矿', '叠层电池', '界面钝化'], regionCode: '320106', trl: 4 },
      need: { title: '钙钛矿叠层电池界面钝化技术咨询', keywords: ['钙钛矿', '界面钝化'], technicalField: 'new-energy' },
      contractType: 'consulting',
    },
    {
      kind: 'achievement',
      item: {
        name: '高熵合金激光熔覆耐磨涂层',
        organisation: '北京科技大学',
        summary: '高熵合金粉末与激光熔覆工艺，涂层耐磨性提升三倍。',
        technicalField: 'new-materials',
        keywords: ['高熵合金', '激光熔覆', '耐磨涂层'],
        regionCode: '110108',
        trl: 7,
        details: { ipType: 'invention-patent', ipNumbers: ['ZL202110000001.X'], transferModes: '专利转让或独占许可' },
      },
      need: { title: '高熵合金激光熔覆耐磨涂层技术引进', keywords: ['高熵合金', '激光熔覆'], technicalField: 'new-materials' },
      contractType: 'transfer',
    },
    {
      kind: 'service-agency',
      item: {
        name: '氢燃料电池电堆检测认证中心',
        organisation: '上海机动车检测认证技术研究中心',
        summary: '提供氢燃料电池电堆性能、耐久与安全检测认证服务。',
        technicalField: 'new-energy',
        keywords: ['氢燃料电池', '电堆检测', '检测认证'],
        regionCode: '310114',
        details: { serviceTypes: ['testing-certification'], accreditations: ['CMA', 'CNAS'] },
      },
      need: { title: '氢燃料电池电堆耐久性检测认证', keywords: ['氢燃料电池', '电堆检测'], technicalField: 'new-energy', category: 'tech-service' },
      contractType: 'service',
    },
    {
      kind: 'finance-product',
      item: {
        name: '“数智贷”数据资产质押科技贷',
        organisation: '南京银行科技支行',
        summary: '以数据资产和软件著作权质押，为专精特新企业提供研发贷款。',
        technicalField: 'high-tech-services',
        keywords: ['数据资产质押', '数智贷', '研发贷款'],
        regionCode: '320105',
        details: { providerType: 'bank', productType: 'ip-pledge-loan', amountMinFen: 50_000_000, amountMaxFen: 1_000_000_000, eligibility: ['specialised-sme'] },
      },
      need: { title: '以数据资产质押申请研发贷款', keywords: ['数据资产质押', '研发贷款'], technicalField: 'high-tech-services', category: 'financing' },
      contractType: 'service',
    },
    {
      kind: 'shared-equipment',
      item: {
        name: '原子层沉积系统（ALD）',
        organisation: '苏州纳米技术与纳米仿生研究所加工平台',
        summary: '原子层沉积镀膜设备，可沉积氧化铝、氧化铪薄膜，按机时预约。',
        technicalField: 'new-materials',
        keywords: ['原子层沉积', 'ALD', '氧化铪'],
        regionCode: '320506',
        details: { instrument: 'Beneq TFS 200 原子层沉积系统', location: '苏州工业园区若水路398号', bookingTerms: '线上预约，按机时计费', pricePerHourFen: 120_000 },
      },
      need: { title: '氧化铪薄膜原子层沉积工艺验证', keywords: ['原子层沉积', '氧化铪'], technicalField: 'new-materials', category: 'equipment-sharing' },
      contractType: 'service',
    },
  ] as const;

  it('lets only admins change the catalogue, and refuses an item its kind does not allow', async () => {
    const fin = KINDS[4].item;
    expect((await matching.post('/catalogue', { kind: 'finance-product', ...fin })).status).toBe(403);
    const cases: [string, object, string][] = [
      ['a finance product without its details', { kind: 'finance-product', ...fin, details: undefined }, '/details'],
      ['a loan whose minimum exceeds its maximum', { kind: 'finance-product', ...fin, details: { ...fin.details, amountMinFen: 2_000_000_000 } }, '/details/amountMinFen'],
      ['an instrument with a TRL', { kind: 'shared-equipment', ...KINDS[5].item, trl: 6 }, '/trl'],
      ['an achievement without a TRL', { kind: 'achievement', ...KINDS[2].item, trl: undefined }, '/trl'],
      ['a service area that names no region', { kind: 'service-agency', ...KINDS[3].item, serviceArea: ['999999'] }, '/serviceArea'],
      ['an unknown service', { kind: 'service-agency', ...KINDS[3].item, details: { serviceTypes: ['massage'] } }, '/details/serviceTypes/0'],
      ['an unknown region', { kind: 'institution', ...KINDS[0].item, regionCode: '999999' }, '/regionCode'],
    ];
    for (const [what, body, pointer] of cases) {
      const res = await admin.post('/catalogue', body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect({ what, pointers: res.body.errors.map((e: { pointer: string }) => e.pointer) }).toEqual({ what, pointers: expect.arrayContaining([pointer]) });
    }
    const listed = await admin.get('/catalogue?kind=finance-product&pageSize=100');
    expect(listed.body.items.map((i: { name: string }) => i.name)).not.toContain(fin.name);
  });

  it('takes an item of each of the six kinds from listing to a proposal and a registered contract', async () => {
    const before = (await reporting.get(`/totals?year=2026&parkId=${park}`)).body.registered.count;
    for (const [i, { kind, item, need, contractType }] of KINDS.entries()) {
      const created = await admin.post('/catalogue', { kind, ...item });
      expect({ kind, status: created.status }).toEqual({ kind, status: 201 });
      expect(created.body).toMatchObject({ kind, status: 'active', revision: 0 });
      expect(created.headers.get('location')).toBe(`/catalogue/${created.body.id}`);
      const supplyId: string = created.body.id;
      const needId = await captureNeed(intake, chipNeed(enterpriseId, { description: `${need.title}。企业希望尽快对接相关资源。`, ...need }));
      const proposal = await proposalOf(needId, supplyId);
      expect(proposal.supplyKind).toBe(kind);
      expect((await matching.post(`/proposals/${proposal.proposalId}/accept`)).status).toBe(200);
      const dealId = await awaitDealFor(contracts, proposal.proposalId);
      expect((await contracts.post(`/deals/${dealId}/sign`, signature(10_000_000 * (i + 1), 8_000_000 * (i + 1), contractType))).status).toBe(200);
      expect((await contracts.post(`/deals/${dealId}/register`, registration())).status).toBe(201);
    }
    const totals = await eventually(
      () => reporting.get(`/totals?year=2026&parkId=${park}`).then((r) => r.body),
      (t) => t.registered.count === before + KINDS.length,
      { what: 'a contract of each kind in the totals' },
    );
    expect(totals.registered.contractAmountFen).toBe(10_000_000 * (1 + 2 + 3 + 4 + 5 + 6));
    // Each listing is an event on the supply topic, from matching, keyed by the item.
    const listed = probe.records.filter((r) => r.headers.ce_type === 'cn.techtransfer.supply.listed.v1' && r.headers.ce_source === '/techtransfer/matching');
    for (const { item } of KINDS) expect(listed.some((r) => JSON.parse(r.value!).item.name === item.name)).toBe(true);
  });

  it('brings a new item to a need already scored, revises it under If-Match, and never proposes it once retired', async () => {
    const needId = await captureNeed(
      intake,
      chipNeed(enterpriseId, { title: '锂金属负极固态电解质界面改性', description: '需要锂金属负极与硫化物固态电解质界面改性方案。', keywords: ['锂金属负极', '硫化物电解质'], technicalField: 'new-energy' }),
    );
    const first = await awaitProposals(matching, needId);
    const item = {
      kind: 'institution',
      name: '硫化物固态电池联合实验室',
      organisation: '清华大学深圳国际研究生院',
      summary: '硫化物固态电解质与锂金属负极界面改性研究。',
      technicalField: 'new-energy',
      keywords: ['硫化物电解质', '锂金属负极', '固态电池'],
      regionCode: '440305',
      trl: 5,
    };
    const created = await admin.post('/catalogue', item);
    expect(created.status).toBe(201);
    const supplyId: string = created.body.id;
    expect(first.proposals.map((p) => p.supplyId)).not.toContain(supplyId);
    // The open need hears of the new item: matching proposes again, with it.
    const proposal = await proposalOf(needId, supplyId);
    expect(proposal.rank).toBeGreaterThanOrEqual(1);

    // Revisions need the ETag read; a stale one is a 412 and changes nothing.
    const etag = created.headers.get('etag')!;
    expect(etag).toBe('"0"');
    expect((await admin.send('PATCH', `/catalogue/${supplyId}`, JSON.stringify({ trl: 6 }))).status).toBe(428);
    const revised = await admin.send('PATCH', `/catalogue/${supplyId}`, JSON.stringify({ trl: 6, summary: `${item.summary}已完成中试。` }), 'application/json', { 'If-Match': etag });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ revision: 1, trl: 6 });
    const stale = await admin.send('PATCH', `/catalogue/${supplyId}`, JSON.stringify({ trl: 7 }), 'application/json', { 'If-Match': etag });
    expect(stale.status).toBe(412);
    expect(stale.body.currentETag).toBe('"1"');
    expect((await admin.send('PATCH', `/catalogue/${supplyId}`, JSON.stringify({ kind: 'expert' }), 'application/json', { 'If-Match': '"1"' })).status).toBe(400);

    // Retired: its open proposal can no longer be accepted, and no need is proposed it again.
    const retired = await admin.postWith(`/catalogue/${supplyId}/retire`, { reason: '实验室重组，暂停对外合作' }, { 'If-Match': '"1"' });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ status: 'retired', revision: 2 });
    const refused = await matching.post(`/proposals/${proposal.proposalId}/accept`);
    expect(refused.status).toBe(409);
    expect(refused.body.supplyStatus).toBe('retired');
    expect((await admin.get('/catalogue?status=active&kind=institution&pageSize=100')).body.items.map((i: { id: string }) => i.id)).not.toContain(supplyId);
    const later = await captureNeed(intake, chipNeed(enterpriseId, { title: '硫化物电解质锂金属负极界面', description: '硫化物固态电解质与锂金属负极界面改性。', keywords: ['硫化物电解质', '锂金属负极'], technicalField: 'new-energy' }));
    expect((await awaitProposals(matching, later)).proposals.map((p) => p.supplyId)).not.toContain(supplyId);

    // The three changes, in order, on the item's key.
    const events = await eventually(
      async () => probe.records.filter((r) => r.key === supplyId),
      (records) => records.length >= 3,
      { what: 'the item’s events' },
    );
    expect(events.map((r) => r.headers.ce_type)).toEqual(['cn.techtransfer.supply.listed.v1', 'cn.techtransfer.supply.revised.v1', 'cn.techtransfer.supply.retired.v1']);
  });

  it('imports a catalogue sheet: new items listed, changed ones revised, the same sheet again changes nothing', async () => {
    const existing = (await admin.get('/catalogue/equip-0002')).body;
    const headers = ['编号', '资源类型', '名称', '所属机构', '简介', '技术领域', '关键词', '所在地区代码', '技术就绪度', '详细信息（JSON）'];
    const rows = [
      // new: a finance product, labels rather than codes, details as JSON
      ['', '科技金融产品', '“专精特新贷”信用贷款', '江苏银行苏州分行', '面向专精特新企业的信用贷款，额度最高2000万元。', '高技术服务', '专精特新、信用贷款', '320505', '', JSON.stringify({ providerType: 'bank', productType: 'credit-loan', amountMinFen: 0, amountMaxFen: 2_000_000_000, eligibility: ['specialised-sme'] })],
      // revised: a sample item found by its 编号
      ['svc-0004', 'service-agency', '深圳新材料检测认证公共服务平台', '深圳市计量质量检测研究院', '为新材料企业提供成分分析、力学性能与可靠性检测，出具CMA、CNAS检测报告。', 'new-materials', '新材料检测、CMA、CNAS', '440304', '', JSON.stringify({ serviceTypes: ['testing-certification'], accreditations: ['CMA', 'CNAS'] })],
      // unchanged: exactly as it stands
      [existing.id, existing.kind, existing.name, existing.organisation, existing.summary, existing.technicalField, existing.keywords.join('、'), existing.regionCode, '', JSON.stringify(existing.details)],
      // invalid: a kind that does not exist, and a region that does not either
      ['', '风投机构', '某基金', '', '股权投资', '电子信息', '投资', '999999', '', ''],
    ];
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('资源库导入表');
    sheet.addRow(headers);
    for (const row of rows) sheet.addRow(row);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());

    const first = await admin.upload('/catalogue/import', '资源库.xlsx', file);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 4, created: 1, revised: 1, unchanged: 1, invalid: 1 });
    expect(first.body.rows[3]).toMatchObject({ row: 5, outcome: 'invalid' });
    expect(first.body.rows[3].problems.map((p: { field: string }) => p.field).sort()).toEqual(['所在地区代码', '资源类型']);
    const created = (await admin.get(`/catalogue/${first.body.rows[0].id}`)).body;
    expect(created).toMatchObject({ kind: 'finance-product', technicalField: 'high-tech-services', keywords: ['专精特新', '信用贷款'], details: { productType: 'credit-loan' } });
    expect((await admin.get('/catalogue/svc-0004')).body).toMatchObject({ revision: 1, details: { accreditations: ['CMA', 'CNAS'] } });

    const again = await admin.upload('/catalogue/import', '资源库.xlsx', file);
    expect(again.body).toMatchObject({ total: 4, created: 0, revised: 0, unchanged: 3, invalid: 1 });
    expect((await matching.upload('/catalogue/import', '资源库.xlsx', file)).status).toBe(403); // brokers cannot
    // Far more rows than an import takes: refused at the first row past the limit, 413, nothing listed.
    const flood = ['名称,资源类型', ...Array.from({ length: 50_000 }, (_, i) => `资源${i},专家`)].join('\n');
    const refused = await admin.upload('/catalogue/import', 'flood.csv', Buffer.from(flood));
    expect(refused.status).toBe(413);
    expect(JSON.stringify(refused.body)).toContain('more than 2000 rows');
  });

  it('rescores the open needs once per window for a whole import, not once per item and need', async () => {
    const needIds: string[] = [];
    for (let i = 0; i < 3; i++) needIds.push(await captureNeed(intake, chipNeed(enterpriseId, { title: `稀土永磁电机控制器联合研发 ${i}`, keywords: ['永磁电机'] })));
    for (const needId of needIds) await awaitProposals(matching, needId);
    const queue = new Queue('matching-score-need', { connection: redisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380'), prefix: `bull:${system.database('matching')}` });
    closeAfter.push(() => queue.close()); // even when an assertion below fails, so jest can exit
    const catalogueJobs = async () => (await queue.getJobs(['completed', 'waiting', 'delayed', 'active', 'failed'], 0, -1)).filter((j) => j.id?.includes('~catalogue@'));

    const items = 40;
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('资源库导入表');
    sheet.addRow(['资源类型', '名称', '所属机构', '简介', '技术领域', '关键词', '所在地区代码', '技术就绪度']);
    for (let i = 0; i < items; i++) sheet.addRow(['专家', `永磁电机控制专家 ${i}`, `某大学电机系 ${i}`, '研究稀土永磁电机控制器与驱动算法。', '先进制造与自动化', '永磁电机、电机控制器', '320506', '']);
    const res = await admin.upload('/catalogue/import', '资源库.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(res.body).toMatchObject({ total: items, created: items });

    // The windows the import's changes fell in (by their events' time), and the open needs then.
    const ids = new Set(res.body.rows.map((r: { id: string }) => r.id));
    const listed = await eventually(
      async () => probe.records.filter((r) => r.key !== null && ids.has(r.key)),
      (records) => records.length === items,
      { what: 'the import’s supply listed events' },
    );
    const importWindows = new Set(listed.map((r) => String(Math.floor(Date.parse(JSON.parse(r.value!).at) / 2000) * 2000)));
    const windows = importWindows.size;
    // The jobs of the import's windows for these needs (one may have existed already: a need follows the window it was scored in).
    const jobs = await eventually(
      async () => (await catalogueJobs()).filter((j) => needIds.includes(j.data.needId) && importWindows.has(j.id!.split('~catalogue@')[1])),
      (found) => found.length > 0 && found.every((j) => j.finishedOn !== undefined),
      { timeoutMs: 60_000, what: 'the import’s rescoring jobs to finish' },
    );
    // Every open need is rescored, once per window: never once per item and need (that would be 40 each).
    expect(new Set(jobs.map((j) => j.id!.split('~catalogue@')[1])).size).toBeLessThanOrEqual(windows);
    for (const needId of needIds) {
      const mine = jobs.filter((j) => j.data.needId === needId).length;
      expect(mine).toBeGreaterThanOrEqual(1);
      expect(mine).toBeLessThanOrEqual(windows);
    }
    expect(windows).toBeLessThan(items / 4); // the import took a few windows, so the bound above is far below one job per item
  });
});
