import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { brokerToken, creditCode, eventually, MediumTier, type ApiClient } from '@tt/testing';

/**
 * The 需求征集表 import in the medium tier: the template from the API, filled in and uploaded, imported
 * by the BullMQ job on the real Redis inside the test process. Valid rows become needs (each publishing
 * need captured once) and enterprises (an enterprise already recorded in the park is used as it stands);
 * bad rows change nothing and the report names their row and column; the same file uploaded again
 * creates and publishes nothing; a file that is not a form is a 400 at once; another park sees 404.
 */
describe('intake (medium tier): 需求征集表 import', () => {
  let tier: MediumTier;
  let broker: ApiClient;
  let template: Buffer;
  const park = `park-imp-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    tier = await MediumTier.start({
      service: 'intake',
      appModule: async () => (await import('../src/app.module')).AppModule,
      config: async () => (await import('../src/config')).config,
    });
    broker = tier.api(await brokerToken(park));
    const res = await broker.download('/needs/imports/template');
    expect(res.status).toBe(200);
    template = res.bytes;
  });

  afterAll(async () => {
    await tier?.stop();
  });

  type Row = Record<string, string>;
  /** A row as a broker fills it in: Chinese labels, budgets in 万元. */
  const row = (company: { name: string; code: string }, n: number, overrides: Row = {}): Row => ({
    企业名称: company.name,
    统一社会信用代码: company.code,
    所在地区代码: '320506',
    行业代码: 'C3973',
    需求名称: `第${n}项需求：低功耗芯片封装工艺改进`,
    需求描述: `企业现有封装良率约92%，希望与高校院所合作将良率提升至98%以上（第${n}项）。`,
    需求类别: '技术攻关',
    技术领域: '电子信息',
    关键词: '芯片封装、良率提升',
    '预算下限（万元）': '50',
    '预算上限（万元）': '200.5',
    合作方式: '合作开发、委托开发',
    保密要求: '仅园区内可见',
    联系人: '王工',
    联系电话: '13912345678',
    ...overrides,
  });

  /** The template with the rows written under its header (in the template's column order). */
  async function fill(rows: Row[]): Promise<Buffer> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('需求征集表')!;
    const headers = (sheet.getRow(1).values as string[]).slice(1).map((h) => String(h).replace(/\*$/, ''));
    rows.forEach((r, i) => (sheet.getRow(i + 2).values = headers.map((h) => r[h] ?? null)));
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }

  async function sheetsOf(bytes: Buffer): Promise<Map<string, unknown[][]>> {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheets = new Map<string, unknown[][]>();
    workbook.eachSheet((sheet) => {
      const rows: unknown[][] = [];
      sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
      sheets.set(sheet.name, rows);
    });
    return sheets;
  }

  async function importFile(client: ApiClient, filename: string, bytes: Buffer) {
    const accepted = await client.upload('/needs/imports', filename, bytes);
    expect({ status: accepted.status, body: accepted.status === 202 ? 'accepted' : accepted.body }).toEqual({ status: 202, body: 'accepted' });
    expect(accepted.headers.get('location')).toBe(`/needs/imports/${accepted.body.id}`);
    const done = await eventually(
      () => client.get(`/needs/imports/${accepted.body.id}`),
      (r) => r.body.status === 'done' || r.body.status === 'failed',
      { timeoutMs: 30_000, what: `import ${accepted.body.id}` },
    );
    expect(done.body.status).toBe('done');
    return done.body as { id: string; total: number; processed: number; counts: Record<string, number> };
  }

  const capturedIds = () => tier.publishedOf('cn.techtransfer.need.captured.v1').map((e) => e.data.needId);
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('hands out the blank form: the columns, required ones marked, and a guide sheet', async () => {
    const sheets = await sheetsOf(template);
    expect(sheets.get('需求征集表')![0]).toEqual(expect.arrayContaining(['企业名称*', '统一社会信用代码*', '需求名称*', '合作方式*', '关键词', '硬性约束']));
    expect(sheets.get('填写说明')!.map((r) => r[0])).toEqual(expect.arrayContaining(['需求类别', '技术领域', '合作方式', '保密要求']));
  });

  describe('a filled form', () => {
    const known = { name: '苏州已登记科技有限公司', code: creditCode() };
    const fresh = { name: '苏州新企业科技有限公司', code: creditCode() };
    let file: Buffer;
    let first: Awaited<ReturnType<typeof importFile>>;
    let needIds: string[];
    let knownId: string;

    beforeAll(async () => {
      const recorded = await broker.post('/enterprises', { name: known.name, creditCode: known.code, regionCode: '320505' });
      expect(recorded.status).toBe(201);
      knownId = recorded.body.id;
      file = await fill([
        row(known, 1, { 企业名称: '表格里写的另一个名字' }),
        row(known, 2),
        row(fresh, 3, { 企业资质: '高新技术企业' }),
        row(fresh, 4, { 统一社会信用代码: '91330206MA2XXXXX0K' }), // sheet row 5: a wrong check character
        row(fresh, 5),
        row(fresh, 6, { 需求类别: '造火箭' }), // sheet row 7: not a category
        row(known, 7, { 需投产月数: '12', 硬性约束: '成熟度/时间' }),
      ]);
    });

    it('becomes needs and enterprises in a background job, each need captured published once, the bad rows reported by row and column', async () => {
      first = await importFile(broker, '需求征集表-第一批.xlsx', file);
      expect(first).toMatchObject({ total: 7, processed: 7, counts: { created: 5, alreadyImported: 0, invalid: 2, enterprisesCreated: 1 } });

      const report = await broker.download(`/needs/imports/${first.id}/report`);
      expect(report.status).toBe(200);
      const sheets = await sheetsOf(report.bytes);
      const problems = sheets.get('问题清单')!.slice(1).map((p) => [p[0], p[1]]);
      expect(problems).toEqual([
        [5, '统一社会信用代码'],
        [7, '需求类别'],
      ]);
      const outcomes = sheets.get('导入结果')!.slice(1);
      expect(outcomes.map((o) => o[1])).toEqual(['已导入', '已导入', '已导入', '有问题，未导入', '已导入', '有问题，未导入', '已导入']);
      needIds = outcomes.filter((o) => o[1] === '已导入').map((o) => String(o[2]));
      expect(new Set(needIds).size).toBe(5);

      // An imported need is a need like any other: budgets in fen, labels as codes, in the park.
      const one = await broker.get(`/needs/${needIds[0]}`);
      expect(one.body).toMatchObject({
        enterpriseId: knownId,
        status: 'open',
        budgetMinFen: 50_000_000,
        budgetMaxFen: 200_500_000,
        category: 'tech-breakthrough',
        technicalField: 'electronic-information',
        cooperationModes: ['joint-development', 'commissioned-development'],
        confidentiality: 'park-only',
      });
      expect((await broker.get(`/needs/${needIds[4]}`)).body).toMatchObject({ neededWithinMonths: 12, hardConstraints: ['maturity'] });
      // The enterprise already recorded is used as it stands; the new one is created once, with its qualifications.
      expect((await broker.get(`/enterprises/${knownId}`)).body).toMatchObject({ name: known.name, regionCode: '320505', etag: '"0"' });
      const enterprises = (await broker.get('/enterprises?pageSize=100')).body.items as { id: string; name: string; creditCode: string; qualifications: string[] }[];
      expect(enterprises.filter((e) => e.creditCode === fresh.code)).toEqual([expect.objectContaining({ name: fresh.name, qualifications: ['high-tech-enterprise'] })]);

      const captured = await tier.waitForPublished('cn.techtransfer.need.captured.v1', 5, (e) => needIds.includes(e.data.needId));
      expect(captured.find((e) => e.data.needId === needIds[2])!.data).toMatchObject({ enterpriseName: fresh.name, parkId: park, enterpriseQualifications: ['high-tech-enterprise'] });
      expect(captured.find((e) => e.data.needId === needIds[0])!.data).toMatchObject({ enterpriseId: knownId, enterpriseName: known.name, regionCode: '320505' });
      await settle();
      expect(capturedIds().filter((id) => needIds.includes(id)).sort()).toEqual([...needIds].sort());
      expect((await broker.get('/needs?pageSize=1')).body.total).toBe(5);
    });

    it('uploaded again, creates and publishes nothing: every valid row was already imported', async () => {
      const publishedBefore = capturedIds().length;
      const again = await importFile(broker, '需求征集表-第一批（重传）.xlsx', file);
      expect(again.counts).toEqual({ created: 0, alreadyImported: 5, invalid: 2, enterprisesCreated: 0 });
      const outcomes = (await sheetsOf((await broker.download(`/needs/imports/${again.id}/report`)).bytes)).get('导入结果')!.slice(1);
      expect(outcomes.filter((o) => o[1] === '此前已导入（未重复创建）').map((o) => String(o[2]))).toEqual(needIds);
      await settle();
      expect(capturedIds()).toHaveLength(publishedBefore);
      expect((await broker.get('/needs?pageSize=1')).body.total).toBe(5);
      expect((await broker.get('/enterprises?pageSize=1')).body.total).toBe(2);
    });

    it('keeps an import to its park: another park’s broker gets 404 for it and its report', async () => {
      const other = tier.api(await brokerToken(`${park}-other`));
      expect((await other.get(`/needs/imports/${first.id}`)).status).toBe(404);
      expect((await other.download(`/needs/imports/${first.id}/report`)).status).toBe(404);
      expect((await other.get('/needs?pageSize=1')).body.total).toBe(0);
    });
  });

  it('imports a UTF-8 CSV saved by Excel (with a BOM)', async () => {
    const client = tier.api(await brokerToken(`${park}-csv`));
    const company = { name: '苏州逗号分隔科技有限公司', code: creditCode() };
    const rows = [row(company, 1), row(company, 2)];
    const headers = Object.keys(rows[0]);
    const csv = '\uFEFF' + [headers.join(','), ...rows.map((r) => headers.map((h) => `"${(r[h] ?? '').replace(/"/g, '""')}"`).join(','))].join('\r\n');
    const done = await importFile(client, 'needs.csv', Buffer.from(csv, 'utf8'));
    expect(done.counts).toEqual({ created: 2, alreadyImported: 0, invalid: 0, enterprisesCreated: 1 });
    expect((await client.get('/needs?pageSize=1')).body.total).toBe(2);
  });

  it('refuses at once a file that is not a form, queuing nothing', async () => {
    const client = tier.api(await brokerToken(`${park}-bad`));
    const cases: [string, Buffer][] = [
      ['notes.csv', Buffer.from('a,b\n1,2\n')],
      ['form.pdf', Buffer.from('%PDF-1.4')],
      ['empty.xlsx', await fill([])],
    ];
    for (const [filename, bytes] of cases) {
      const res = await client.upload('/needs/imports', filename, bytes);
      expect({ filename, status: res.status, type: res.headers.get('content-type') }).toEqual({ filename, status: 400, type: expect.stringContaining('application/problem+json') });
      expect({ filename, errors: res.body.errors }).toEqual({ filename, errors: [expect.objectContaining({ pointer: 'body.file' })] });
    }
    const noFile = await client.post('/needs/imports', {});
    expect(noFile.status).toBe(400);
    expect(await tier.connection.collection('need_imports').countDocuments({ parkId: `${park}-bad` })).toBe(0);
  });
});
