import { analystToken, brokerToken, eventually, KafkaProbe, TestSystem, type ApiClient } from '@tt/testing';
import { TOPICS } from '@tt/contracts';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, DEAL_TO_REGISTRATION, registration, registrationNumber, signature } from './broker-workflow';
import { readSheets } from './collection-form';

/**
 * A contract registered as the registry records it (subtype, parties with nature and region, registry
 * field, IP type, objective, office, the amounts it accepted), then corrected (补正), then revoked
 * (撤销), through the public APIs. At each step the totals, 技术输出/吸纳 and the XLSX export equal the
 * contract as it stands, and the deal topic carries the reversing and restating events.
 */
describe('registration the registry’s way', () => {
  let system: TestSystem;
  let probe: KafkaProbe;
  let intake: ApiClient, matching: ApiClient, contracts: ApiClient, reporting: ApiClient;
  const park = `park-reg-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const broker = await brokerToken(park);
    intake = system.api('intake', broker);
    matching = system.api('matching', broker);
    contracts = system.api('contract-tracking', broker);
    reporting = system.api('reporting', await analystToken());
    probe = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.deal)]);
  });

  afterAll(async () => {
    await probe?.stop();
    await system?.stop();
  });

  const totals = () => reporting.get(`/totals?year=2026&parkId=${park}`).then((r) => r.body);

  /** The export's sheets as rows of values (header row first), read back with exceljs. */
  async function exportedSheets(): Promise<Map<string, unknown[][]>> {
    const file = await reporting.download(`/totals/export?year=2026&parkId=${park}&format=xlsx`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('spreadsheetml');
    return readSheets(file.bytes);
  }

  async function signedDeal(): Promise<string> {
    const enterpriseId = await createEnterprise(intake);
    const needId = await captureNeed(intake, chipNeed(enterpriseId));
    const { proposals } = await awaitProposals(matching, needId);
    expect((await matching.post(`/proposals/${proposals[0].proposalId}/accept`)).status).toBe(200);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId);
    expect((await contracts.post(`/deals/${dealId}/sign`, signature(300_000_000, 250_000_000))).status).toBe(200);
    return dealId;
  }

  it('refuses a contract the registry would refuse, and changes nothing', async () => {
    const dealId = await signedDeal();
    const cases: [string, object, string][] = [
      ['a number of another year', registration(registrationNumber('2025')), '/registrationNumber'],
      ['a number whose office is no region', registration(`2026999999${String(Date.now() % 1e6).padStart(6, '0')}`), '/registrationNumber'],
      ['a number of the wrong shape', registration('R-2026-1'), '/registrationNumber'],
      ['an unknown registry field', registration(undefined, undefined, { registryTechnicalField: 'high-tech-services' }), '/registryTechnicalField'],
      ['a subtype of another type', registration(undefined, undefined, { contractSubtype: 'licensing.patent-implementation' }), '/contractSubtype'],
      ['a technology amount above the contract amount', registration(undefined, undefined, { techTransactionAmountFen: 300_000_001 }), '/techTransactionAmountFen'],
      [
        'a domestic party without its region',
        registration(undefined, undefined, { parties: [signature(1, 1).parties[0], { role: 'seller', name: '某研究所', nature: 'research-institute' }] }),
        '/parties/1/regionCode',
      ],
      [
        'a party with a mistyped credit code',
        registration(undefined, undefined, { parties: [{ ...signature(1, 1).parties[0], creditCode: '91330206MA2XXXXX0K' }, signature(1, 1).parties[1]] }),
        '/parties/0/creditCode',
      ],
    ];
    for (const [what, body, pointer] of cases) {
      const res = await contracts.post(`/deals/${dealId}/register`, body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect({ what, pointers: res.body.errors.map((e: { pointer: string }) => e.pointer) }).toEqual({ what, pointers: expect.arrayContaining([pointer]) });
    }
    const wrongSubtype = await contracts.post(`/deals/${dealId}/sign`, { ...signature(1, 1), contractSubtype: 'consulting.general' });
    expect(wrongSubtype.status).toBe(400);
    expect(wrongSubtype.body.errors[0].pointer).toBe('/contractSubtype');
    const deal = (await contracts.get(`/deals/${dealId}`)).body;
    expect(deal.status).toBe('signed');
    expect(deal.registration).toBeUndefined();
  });

  it('registers, corrects and revokes, with totals, 输出/吸纳 and the XLSX export exact at each step', async () => {
    const dealId = await signedDeal();
    const number = registrationNumber();

    // Registered: the registry accepted 2,400,000.00 元 of the declared 2,500,000.00 as 技术交易额.
    const registered = await contracts.post(`/deals/${dealId}/register`, registration(number, '2026-11-22', { techTransactionAmountFen: 240_000_000 }));
    expect(registered.status).toBe(201);
    expect(registered.body.registration.record).toMatchObject({
      registrationNumber: number,
      registryOffice: { regionCode: '320500', name: '苏州市技术合同登记机构' },
      contractType: 'development',
      contractSubtype: 'development.cooperative',
      contractAmountFen: 300_000_000,
      techTransactionAmountFen: 240_000_000,
      parties: [
        { role: 'buyer', nature: 'enterprise', regionCode: '320506' },
        { role: 'seller', nature: 'research-institute', regionCode: '110108' },
      ],
    });
    expect(registered.body.registration.revision).toBe(0);

    // The registration is two logged events (v1, then v2 with the registry's record): wait for both, not just the count v1 brings.
    const atRegistration = await eventually(totals, (t) => t.registered.count === 1 && t.techOutputByRegion.some((r: { key: string | null }) => r.key !== null), {
      what: 'the registered contract, with its registry record, in the totals',
    });
    expect(atRegistration.registered).toMatchObject({ count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 });
    expect(atRegistration.techOutputByRegion).toEqual([{ key: '110000', label: '北京市', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 }]);
    expect(atRegistration.techAbsorptionByRegion).toEqual([{ key: '320000', label: '江苏省', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 }]);
    expect(atRegistration.byContractSubtype).toEqual([{ key: 'development.cooperative', label: '合作开发', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 }]);
    expect(atRegistration.bySellerNature).toEqual([{ key: 'research-institute', label: '科研院所', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 }]);
    expect(atRegistration.byIpType).toEqual([{ key: 'ic-layout-design', label: '集成电路布图设计专有权', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 240_000_000 }]);
    expect(atRegistration.byMonth.at(-1)).toMatchObject({ month: '2026-11', count: 1, yearToDate: { count: 1, contractAmountFen: 300_000_000 } });
    let sheets = await exportedSheets();
    expect(sheets.get('登记合同汇总')![1]).toEqual([2026, 1, 3_000_000, 2_400_000, 0]);
    expect(sheets.get('技术输出（按卖方所在省份）')!.slice(1)).toEqual([['110000', '北京市', 1, 3_000_000, 2_400_000]]);
    expect(sheets.get('技术吸纳（按买方所在省份）')!.slice(1)).toEqual([['320000', '江苏省', 1, 3_000_000, 2_400_000]]);

    // A correction needs the ETag read: 428 without, 412 with a stale one; a bad one is a 400. None changes anything.
    const read = await contracts.get(`/deals/${dealId}`);
    const etag = read.headers.get('etag')!;
    expect(etag).toBe(`"${read.body.version}"`);
    const correction = {
      reason: '卖方实际为上海分所，技术交易额核定为200万元',
      techTransactionAmountFen: 200_000_000,
      ipType: 'invention-patent',
      parties: [signature(1, 1).parties[0], { role: 'seller', name: '中国科学院微电子研究所上海分所', nature: 'research-institute', regionCode: '310115' }],
    };
    expect((await contracts.post(`/deals/${dealId}/registration/corrections`, correction)).status).toBe(428);
    const stale = await contracts.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': `"${read.body.version - 1}"` });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ type: '/problems/precondition-failed', currentETag: etag });
    const tooMuch = await contracts.postWith(`/deals/${dealId}/registration/corrections`, { reason: '核定', techTransactionAmountFen: 300_000_001 }, { 'If-Match': etag });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors[0].pointer).toBe('/techTransactionAmountFen');
    // A correction may not raise an amount above what was signed (reporting would refuse to count it).
    const aboveSigned = await contracts.postWith(`/deals/${dealId}/registration/corrections`, { reason: '核定', contractAmountFen: 3_000_000_000 }, { 'If-Match': etag });
    expect(aboveSigned.status).toBe(400);
    expect(aboveSigned.body.errors).toEqual([expect.objectContaining({ pointer: '/contractAmountFen', reason: expect.stringMatching(/above both the amount signed/) })]);
    const nothing = await contracts.postWith(`/deals/${dealId}/registration/corrections`, { reason: '无变化', ipType: 'ic-layout-design' }, { 'If-Match': etag });
    expect(nothing.status).toBe(400);

    const corrected = await contracts.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': etag });
    expect(corrected.status).toBe(200);
    expect(corrected.body.registration).toMatchObject({ revision: 1, record: { techTransactionAmountFen: 200_000_000, ipType: 'invention-patent' } });
    expect(corrected.body.registration.changes).toEqual([expect.objectContaining({ kind: 'correction', revision: 1, reason: correction.reason })]);
    // The same correction sent again with the ETag it was made on: the deal has moved on, so 412.
    expect((await contracts.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': etag })).status).toBe(412);

    const afterCorrection = await eventually(totals, (t) => t.registered.techTransactionAmountFen === 200_000_000, { what: 'the corrected contract in the totals' });
    expect(afterCorrection.registered).toMatchObject({ count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 200_000_000 });
    expect(afterCorrection.techOutputByRegion).toEqual([{ key: '310000', label: '上海市', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 200_000_000 }]);
    expect(afterCorrection.techAbsorptionByRegion).toEqual([{ key: '320000', label: '江苏省', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 200_000_000 }]);
    expect(afterCorrection.byIpType).toEqual([{ key: 'invention-patent', label: '发明专利', count: 1, contractAmountFen: 300_000_000, techTransactionAmountFen: 200_000_000 }]);
    sheets = await exportedSheets();
    expect(sheets.get('登记合同汇总')![1]).toEqual([2026, 1, 3_000_000, 2_000_000, 0]);
    expect(sheets.get('技术输出（按卖方所在省份）')!.slice(1)).toEqual([['310000', '上海市', 1, 3_000_000, 2_000_000]]);
    expect(sheets.get('按知识产权类型')!.slice(1)).toEqual([['invention-patent', '发明专利', 1, 3_000_000, 2_000_000]]);

    // Revoked: the contract counts nowhere; the deal keeps its record, as revoked.
    const etag2 = corrected.headers.get('etag')!;
    const revoked = await contracts.postWith(`/deals/${dealId}/registration/revoke`, { reason: '经复核不属于技术合同，撤销登记' }, { 'If-Match': etag2 });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', registration: { revision: 2, record: { techTransactionAmountFen: 200_000_000 } } });
    const afterRevocation = await eventually(totals, (t) => t.registered.count === 0, { what: 'the revoked contract out of the totals' });
    expect(afterRevocation.registered).toMatchObject({ count: 0, contractAmountFen: 0, techTransactionAmountFen: 0 });
    expect(afterRevocation.techOutputByRegion).toEqual([]);
    expect(afterRevocation.techAbsorptionByRegion).toEqual([]);
    sheets = await exportedSheets();
    expect(sheets.get('登记合同汇总')![1]).toEqual([2026, 0, 0, 0, 0]);
    expect(sheets.get('技术输出（按卖方所在省份）')!.length).toBe(1); // the header only
    // Nothing more can change on a revoked registration.
    expect((await contracts.postWith(`/deals/${dealId}/registration/corrections`, correction, { 'If-Match': revoked.headers.get('etag')! })).status).toBe(409);

    // The deal topic: the registration (v1 beside v2), then the correction and the revocation, each reversing what stood.
    const events = await eventually(
      async () => probe.records.filter((r) => r.key === dealId),
      (records) => records.length >= 8,
      { what: 'the deal’s events on Kafka' },
    );
    expect(events.map((r) => r.headers.ce_type)).toEqual([
      ...DEAL_TO_REGISTRATION,
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.revoked.v1',
    ]);
    const [correctedEvent, revokedEvent] = events.slice(6).map((r) => JSON.parse(r.value!));
    expect(correctedEvent).toMatchObject({ revision: 1, reverses: { techTransactionAmountFen: 240_000_000 }, restates: { techTransactionAmountFen: 200_000_000 } });
    expect(revokedEvent).toMatchObject({ revision: 2, reverses: { techTransactionAmountFen: 200_000_000 } });
    expect(revokedEvent.restates).toBeUndefined();
  });

  it('exports each table as CSV, UTF-8 with a BOM and Chinese headers', async () => {
    const file = await reporting.download(`/totals/export?year=2026&parkId=${park}&format=csv&table=techOutputByRegion`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('text/csv');
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(file.bytes.subarray(3).toString('utf8').split('\r\n')[0]).toBe('代码,名称,合同数（项）,合同成交额（元）,技术交易额（元）');
    const unknownTable = await reporting.get(`/totals/export?format=csv&table=bySecretSauce`);
    expect(unknownTable.status).toBe(400);
    expect(unknownTable.body.errors[0].pointer).toBe('/table');
  });
});
