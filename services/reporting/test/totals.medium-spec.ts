import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { PayloadOf, RegistryRecord } from '@tt/contracts';
import type { CloudEvent } from '@tt/messaging';
import { analystToken, brokerToken, DEAL_TO_REGISTRATION, MediumTier, type ApiClient } from '@tt/testing';
import { DealEvents, type DealTerms } from './deal-events';

/**
 * Reporting's totals in the medium tier: its Nest modules with the platform's HTTP edge, on the real
 * MongoDB-wire server and Redis, the deal topic's events handed to its handlers as contract-tracking
 * publishes them (deal-events.ts). A registered contract counts once whatever the redeliveries and
 * producer retries; corrections, amendments and revocations move the totals at the next revision;
 * forged changes and registrations are refused with their reason and move nothing; the query is
 * validated and the CSV and XLSX exports carry the same figures. The e2e tests keep what crosses
 * services (contract-tracking's API to reporting over Kafka, dead letters).
 */
describe('reporting (medium tier): totals', () => {
  let tier: MediumTier;
  let analyst: ApiClient;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'reporting',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
    });
    analyst = tier.api(await analystToken());
  });

  afterAll(async () => {
    await tier?.stop();
  });

  /** A park of its own per test, so each test's totals are its own. */
  const newPark = () => `park-rp-${randomUUID().slice(0, 8)}`;
  const totals = async (parkId: string, year = 2026) => {
    const res = await analyst.get(`/totals?year=${year}&parkId=${parkId}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const deliverAll = async (events: CloudEvent[]) => {
    for (const event of events) expect({ type: event.type, outcome: await tier.deliver(event) }).toEqual({ type: event.type, outcome: 'handled' });
  };
  /** Signed for 3,000,000.00 元 (2,500,000.00 技术交易额), registered with 2,400,000.00 accepted, in November 2026. */
  const chipContract = (parkId: string, terms: Partial<DealTerms> = {}) =>
    new DealEvents({ parkId, contractAmountFen: 300_000_000, techTransactionAmountFen: 250_000_000, registeredTechTransactionAmountFen: 240_000_000, ...terms });
  const analystLogOf = async (dealId: string) =>
    ((await analyst.get(`/events?after=0&limit=500`)).body.items as { dealId: string; type: string; data: Record<string, unknown> }[]).filter((e) => e.dealId === dealId);
  const amounts = (count: number, contractAmountFen: number, techTransactionAmountFen: number) => ({ count, contractAmountFen, techTransactionAmountFen });

  it('counts a registered deal once, by month, park, type and region; its redelivery is a duplicate that changes nothing', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const events = deal.toRegistration();
    expect(events.map((e) => e.type)).toEqual(DEAL_TO_REGISTRATION); // what contract-tracking publishes per deal, in order
    await deliverAll(events);

    const counted = await totals(park);
    expect(counted.scope).toMatchObject({ year: 2026, parkId: park });
    expect(counted.registered).toMatchObject({ ...amounts(1, 300_000_000, 240_000_000), previousYear: amounts(0, 0, 0), growth: null });
    expect(counted.byMonth).toHaveLength(11); // January to November, the last month with a registration
    expect(counted.byMonth[9]).toMatchObject({ month: '2026-10', ...amounts(0, 0, 0) });
    expect(counted.byMonth[10]).toMatchObject({ month: '2026-11', ...amounts(1, 300_000_000, 240_000_000), yearToDate: amounts(1, 300_000_000, 240_000_000) });
    const row = amounts(1, 300_000_000, 240_000_000);
    expect(counted.byPark).toEqual([{ key: park, label: park, ...row }]);
    expect(counted.byContractType).toEqual([{ key: 'development', label: '技术开发', ...row }]);
    expect(counted.byContractSubtype).toEqual([{ key: 'development.cooperative', label: '合作开发', ...row }]);
    expect(counted.byRegion).toEqual([{ key: '320506', label: expect.any(String), ...row }]);
    expect(counted.byBroker).toEqual([{ key: `broker-${park}`, label: `broker-${park}`, ...row }]);
    expect(counted.techOutputByRegion).toEqual([{ key: '110000', label: '北京市', ...row }]);
    expect(counted.techAbsorptionByRegion).toEqual([{ key: '320000', label: '江苏省', ...row }]);
    expect(counted.funnel).toMatchObject({ contracted: 1, registered: 1, cancelledDeals: 0 });
    // Another year holds nothing of it.
    expect((await totals(park, 2025)).registered).toMatchObject(amounts(0, 0, 0));

    for (const event of events) expect({ type: event.type, outcome: await tier.deliver(event) }).toEqual({ type: event.type, outcome: 'duplicate' });
    expect(await totals(park)).toEqual(counted);
    // Analysts were told of each step once.
    expect((await analystLogOf(deal.dealId)).map((e) => e.type)).toEqual(events.map((e) => e.type));
  });

  it('counts a logged transaction re-sent under new event ids (a producer retry) once, and logs it once', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const events = deal.toRegistration();
    await deliverAll(events);
    const counted = await totals(park);
    expect(counted.registered).toMatchObject(amounts(1, 300_000_000, 240_000_000));

    // The registration's four events again, each under a new id: the transaction's natural key (its deal) holds.
    for (const event of events.slice(2)) expect(await tier.deliver({ ...event, id: randomUUID() })).toBe('handled');
    expect(await totals(park)).toEqual(counted);
    const logged = (await analystLogOf(deal.dealId)).filter((e) => e.type.startsWith('cn.techtransfer.transaction.logged.'));
    expect(logged.map((e) => e.type)).toEqual(['cn.techtransfer.transaction.logged.v1', 'cn.techtransfer.transaction.logged.v2']);

    // A second contract, of another deal, in October: it adds up.
    await deliverAll(chipContract(park, { contractAmountFen: 100_000_000, techTransactionAmountFen: 80_000_000, registeredTechTransactionAmountFen: undefined, registeredOn: '2026-10-09' }).toRegistration());
    const both = await totals(park);
    expect(both.registered).toMatchObject(amounts(2, 400_000_000, 320_000_000));
    expect(both.byMonth[9]).toMatchObject({ month: '2026-10', ...amounts(1, 100_000_000, 80_000_000) });
    expect(both.byMonth[10]).toMatchObject({ month: '2026-11', ...amounts(1, 300_000_000, 240_000_000), monthOnMonth: 2, yearToDate: amounts(2, 400_000_000, 320_000_000) });
  });

  it('moves the totals on a correction and an amendment, and takes the contract out on a revocation', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const registration = deal.toRegistration();
    await deliverAll(registration);

    // 补正: the registry's 技术交易额 lowered to 2,000,000.00, and the seller is the Shanghai branch.
    const seller = { role: 'seller', name: '中国科学院微电子研究所上海分所', nature: 'research-institute', regionCode: '310115' } as const;
    const corrected = deal.correct({ techTransactionAmountFen: 200_000_000, parties: [deal.registered.parties[0], seller] });
    expect(await tier.deliver(corrected)).toBe('handled');
    let now = await totals(park);
    expect(now.registered).toMatchObject(amounts(1, 300_000_000, 200_000_000));
    expect(now.techOutputByRegion).toEqual([{ key: '310000', label: '上海市', ...amounts(1, 300_000_000, 200_000_000) }]);
    // The same correction replayed under a new id is a redelivery: handled, and nothing moves.
    expect(await tier.deliver({ ...corrected, id: randomUUID() })).toBe('handled');
    expect(await totals(park)).toEqual(now);
    // Nor does the registration's logged transaction, replayed under new ids, put back the record it corrected.
    for (const logged of registration.slice(-2)) expect(await tier.deliver({ ...logged, id: randomUUID() })).toBe('handled');
    expect(await totals(park)).toEqual(now);

    // 变更: a supplementary agreement raises the contract amount (an amendment is not bounded by the signature).
    expect(await tier.deliver(deal.amend({ contractAmountFen: 350_000_000 }))).toBe('handled');
    now = await totals(park);
    expect(now.registered).toMatchObject(amounts(1, 350_000_000, 200_000_000));
    expect(now.byMonth[10]).toMatchObject({ month: '2026-11', ...amounts(1, 350_000_000, 200_000_000) });

    // 撤销: counted nowhere, while the funnel still knows it was registered.
    expect(await tier.deliver(deal.revoke())).toBe('handled');
    now = await totals(park);
    expect(now.registered).toMatchObject(amounts(0, 0, 0));
    expect(now.byMonth).toEqual([]);
    expect(now.byPark).toEqual([]);
    expect(now.techOutputByRegion).toEqual([]);
    expect(now.funnel).toMatchObject({ registered: 1 });
    expect((await analystLogOf(deal.dealId)).map((e) => e.type).slice(-3)).toEqual([
      'cn.techtransfer.transaction.corrected.v1',
      'cn.techtransfer.transaction.amended.v1',
      'cn.techtransfer.transaction.revoked.v1',
    ]);
  });

  it('refuses forged changes with the reason, and no total moves', async () => {
    const park = newPark();
    const deal = chipContract(park);
    await deliverAll(deal.toRegistration());
    const before = await totals(park);
    const record = deal.standing;
    const tenfold: RegistryRecord = { ...record, contractAmountFen: record.contractAmountFen * 10, techTransactionAmountFen: record.techTransactionAmountFen * 10 };
    const next = deal.nextChange('登记金额补正');
    const forged: [string, CloudEvent, RegExp][] = [
      [
        'a correction raising the amounts above those signed',
        MediumTier.event('cn.techtransfer.transaction.corrected.v1', { ...next, restates: tenfold }),
        /a correction cannot raise contractAmountFen to 3000000000, above both the amount signed \(300000000\)/,
      ],
      [
        'a correction skipping a revision',
        MediumTier.event('cn.techtransfer.transaction.corrected.v1', { ...next, revision: 2, restates: { ...record, techTransactionAmountFen: 200_000_000 } }),
        /the transaction stands at revision 0, so the next change is 1/,
      ],
      [
        'a correction reversing a record that is not the one standing',
        MediumTier.event('cn.techtransfer.transaction.corrected.v1', {
          ...next,
          reverses: { ...record, techTransactionAmountFen: 250_000_000 },
          restates: { ...record, techTransactionAmountFen: 200_000_000 },
        }),
        /it reverses a record that is not the one standing/,
      ],
      [
        'a revocation of another deal’s context',
        MediumTier.event('cn.techtransfer.transaction.revoked.v1', { ...next, needId: `need-${randomUUID()}`, brokerId: 'broker-forged' }),
        /its deal context is not the transaction's: needId, brokerId/,
      ],
    ];
    for (const [what, event, reason] of forged) {
      await expect(tier.deliver(event).catch((error: Error) => Promise.reject({ what, name: error.name, message: error.message }))).rejects.toEqual({
        what,
        name: 'EventRejectedError',
        message: expect.stringMatching(reason),
      });
    }
    expect(await totals(park)).toEqual(before);
    expect((await analystLogOf(deal.dealId)).map((e) => e.type)).not.toContain('cn.techtransfer.transaction.revoked.v1');

    // A refused event is not taken as processed: sent again, it is refused again (not a 'duplicate').
    await expect(tier.deliver(forged[0][1])).rejects.toThrow(/a correction cannot raise/);
    // The genuine correction still applies at revision 1: the forgeries held no revision.
    expect(await tier.deliver(deal.correct({ techTransactionAmountFen: 200_000_000 }))).toBe('handled');
    const corrected = await totals(park);
    expect(corrected.registered).toMatchObject(amounts(1, 300_000_000, 200_000_000));
    // A revocation claiming the revision now held, of the record as it stood before: another change at a held revision.
    const stale = MediumTier.event('cn.techtransfer.transaction.revoked.v1', next);
    await expect(tier.deliver(stale)).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/revision 1 is already held as another change/) });
    expect(await totals(park)).toEqual(corrected);
  });

  it('takes one signature per deal: a second one is refused, and the same one again changes nothing, whenever it comes', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const signed = deal.signed();
    expect(await tier.deliver(deal.opened())).toBe('handled');
    expect(await tier.deliver(signed)).toBe('handled');
    // A forged second signature at ten times the amounts (it would raise the ceiling a correction may restate to).
    const tenfold = MediumTier.event('cn.techtransfer.contract.signed.v1', {
      ...(signed.data as PayloadOf<'cn.techtransfer.contract.signed.v1'>),
      contractAmountFen: 3_000_000_000,
      techTransactionAmountFen: 2_500_000_000,
    });
    await expect(tier.deliver(tenfold)).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/holds as signed otherwise/) });
    expect(await tier.deliver({ ...signed, id: randomUUID() })).toBe('handled'); // the same signature, re-sent before registration
    for (const event of deal.registration()) expect(await tier.deliver(event)).toBe('handled');
    expect(await tier.deliver({ ...signed, id: randomUUID() })).toBe('handled'); // and after it: no change, no dead letter
    // The correction a forged signature would have allowed is refused against the genuine one.
    const next = deal.nextChange('登记金额补正');
    const inflated = MediumTier.event('cn.techtransfer.transaction.corrected.v1', { ...next, restates: { ...deal.standing, contractAmountFen: 3_000_000_000, techTransactionAmountFen: 2_400_000_000 } });
    await expect(tier.deliver(inflated)).rejects.toMatchObject({ name: 'EventRejectedError' });
    expect((await totals(park)).registered).toMatchObject(amounts(1, 300_000_000, 240_000_000));
  });

  it('refuses a registration or logged transaction that is not the deal’s as signed and registered', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const [opened, signed, registeredV1, registeredV2, loggedV1, loggedV2] = deal.toRegistration();
    await deliverAll([opened, signed]);
    // A transaction logged for a deal reporting has never seen opened: nothing to count it against.
    const stranger = chipContract(park);
    await expect(tier.deliver(stranger.loggedV1())).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/has never seen opened/) });
    // Logged before it was registered: no registration number yet, and the amounts are still those signed.
    await expect(tier.deliver(loggedV1)).rejects.toMatchObject({
      name: 'EventRejectedError',
      message: expect.stringMatching(/does not match its signed and registered contract: techTransactionAmountFen, registrationNumber, registeredOn$/),
    });
    await deliverAll([registeredV1, registeredV2]);
    // The logged transaction with ten times the amounts: not what was signed and registered.
    const tenfold = { contractAmountFen: 3_000_000_000, techTransactionAmountFen: 2_400_000_000 };
    const inflated = MediumTier.event('cn.techtransfer.transaction.logged.v1', { ...deal.loggedV1().data, ...tenfold });
    await expect(tier.deliver(inflated)).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/contractAmountFen, techTransactionAmountFen/) });
    const v2 = loggedV2.data as PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
    const inflatedV2 = MediumTier.event('cn.techtransfer.transaction.logged.v2', { ...v2, record: { ...v2.record, ...tenfold } });
    await expect(tier.deliver(inflatedV2)).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/does not carry the record registered/) });
    expect((await totals(park)).registered).toMatchObject(amounts(0, 0, 0));

    // The genuine ones count, once.
    await deliverAll([loggedV1, loggedV2]);
    expect((await totals(park)).registered).toMatchObject(amounts(1, 300_000_000, 240_000_000));
  });

  it('never registers a cancelled deal: the funnel counts the cancellation and the totals nothing', async () => {
    const park = newPark();
    const deal = chipContract(park);
    const [opened, signed, registeredV1] = deal.toRegistration();
    await deliverAll([opened, signed]);
    expect((await totals(park)).funnel).toMatchObject({ contracted: 1, cancelledDeals: 0 });
    const cancelled = MediumTier.event('cn.techtransfer.deal.cancelled.v1', { ...deal.context, stage: 'signed', reason: '双方未就价格达成一致', cancelledAt: new Date().toISOString() });
    expect(await tier.deliver(cancelled)).toBe('handled');
    await expect(tier.deliver(registeredV1)).rejects.toMatchObject({ name: 'EventRejectedError', message: expect.stringMatching(/has not seen opened and signed/) });
    const now = await totals(park);
    expect(now.funnel).toMatchObject({ contracted: 0, registered: 0, cancelledDeals: 1 });
    expect(now.registered).toMatchObject(amounts(0, 0, 0));
  });

  it('refuses a deal event from a service that does not own the deal topic', async () => {
    const park = newPark();
    const [opened] = chipContract(park).toRegistration();
    await expect(tier.deliver({ ...opened, source: '/techtransfer/matching' })).rejects.toThrow(/untrusted source/);
  });

  it('narrows a broker to their own park, whatever park they ask for', async () => {
    const park = newPark();
    const other = newPark();
    await deliverAll(chipContract(park).toRegistration());
    await deliverAll(chipContract(other, { contractAmountFen: 50_000_000, techTransactionAmountFen: 50_000_000, registeredTechTransactionAmountFen: undefined }).toRegistration());
    const broker = tier.api(await brokerToken(park));
    const asked = await broker.get(`/totals?year=2026&parkId=${other}`);
    expect(asked.status).toBe(200);
    expect(asked.body.scope.parkId).toBe(park);
    expect(asked.body.registered).toMatchObject(amounts(1, 300_000_000, 240_000_000));
    const csv = await broker.download(`/totals/export?year=2026&parkId=${other}&format=csv&table=byPark`);
    expect(csv.bytes.subarray(3).toString('utf8')).toContain(park);
    expect(csv.bytes.subarray(3).toString('utf8')).not.toContain(other);
    expect((await tier.api().get(`/totals?year=2026`)).status).toBe(401);
  });

  it('answers bad query parameters with a 400 problem naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/totals?year=1999', '/year'],
      ['/totals?year=twenty', '/year'],
      ['/totals?year=2026&parkId=park%20one', '/parkId'],
      ['/totals?year=2026&region=320000', '/region'],
      ['/totals/export?year=2026&format=pdf', '/format'],
      ['/totals/export?year=2026&format=csv&table=bySecretSauce', '/table'],
    ];
    for (const [path, pointer] of cases) {
      const res = await analyst.get(path);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 400, type: expect.stringContaining('application/problem+json') });
      expect({ path, problem: res.body }).toMatchObject({ path, problem: { status: 400, type: '/problems/validation', errors: expect.arrayContaining([expect.objectContaining({ pointer })]) } });
    }
  });

  it('exports the same figures as the totals, as CSV and as XLSX', async () => {
    const park = newPark();
    await deliverAll(chipContract(park).toRegistration());
    await deliverAll(chipContract(park, { contractAmountFen: 100_000_000, techTransactionAmountFen: 80_000_000, registeredTechTransactionAmountFen: undefined, registeredOn: '2026-10-09' }).toRegistration());
    const report = await totals(park);
    expect(report.registered).toMatchObject(amounts(2, 400_000_000, 320_000_000));

    const csv = await analyst.download(`/totals/export?year=2026&parkId=${park}&format=csv&table=byMonth`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines[0].split(',').slice(0, 4)).toEqual(['月份', '合同数（项）', '合同成交额（元）', '技术交易额（元）']);
    const csvMonths = lines.slice(1).map((line) => line.split(',').slice(0, 4));
    // The totals in fen, the export in 元.
    const yuan = (fen: number) => String(fen / 100);
    expect(csvMonths).toEqual(report.byMonth.map((m: { month: string; count: number; contractAmountFen: number; techTransactionAmountFen: number }) => [m.month, String(m.count), yuan(m.contractAmountFen), yuan(m.techTransactionAmountFen)]));
    expect(csvMonths.slice(-2)).toEqual([
      ['2026-10', '1', '1000000', '800000'],
      ['2026-11', '1', '3000000', '2400000'],
    ]);

    const xlsx = await analyst.download(`/totals/export?year=2026&parkId=${park}&format=xlsx`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const sheets = await readSheets(xlsx.bytes);
    expect(sheets.get('登记合同汇总')![1]).toEqual([2026, 2, 4_000_000, 3_200_000, 0]);
    expect(sheets.get('按园区')!.slice(1)).toEqual([[park, park, 2, 4_000_000, 3_200_000]]);
    expect(sheets.get('技术吸纳（按买方所在省份）')!.slice(1)).toEqual([['320000', '江苏省', 2, 4_000_000, 3_200_000]]);
    expect(sheets.get('按月')!.slice(-2).map((row) => row.slice(0, 4))).toEqual([
      ['2026-10', 1, 1_000_000, 800_000],
      ['2026-11', 1, 3_000_000, 2_400_000],
    ]);
  });
});

/** The workbook's sheets as rows of values (header row first). */
async function readSheets(bytes: Buffer): Promise<Map<string, unknown[][]>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheets = new Map<string, unknown[][]>();
  workbook.eachSheet((sheet) => {
    const rows: unknown[][] = [];
    sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    sheets.set(sheet.name, rows);
  });
  return sheets;
}
