/**
 * 需求征集表 import benchmark (run on demand: `npm run bench:import`; not part of `npm test`).
 *
 * Starts the four built services on the real infrastructure (as the e2e tests do), then measures in
 * one run, in one fresh park each:
 * - baseline: the same needs captured one by one through `POST /needs` (enterprises created first),
 *   the way a broker without the import would, from one client;
 * - the import: the same number of rows in one XLSX form, from upload to the import's `done`.
 * Results are needs per second and the import's time as a ratio of the baseline's. The issue asks that
 * 5,000 rows import within a minute. Results go to bench-results/needs-import-<timestamp>.json.
 *
 * `benchNeedsImport` is also one figure of `npm run bench` (scripts/bench/run-all.ts), on its system.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerToken, eventually, REPO_ROOT, TestSystem, type ApiClient } from '@tt/testing';
import { fillTemplate, validRows, type FormRow } from '../../test/e2e/collection-form';

export interface NeedsImportOptions {
  /** Rows in the form (default 5,000). */
  rows: number;
  /** Enterprises the rows are spread over (default 250). */
  enterprises: number;
  /** The baseline captures this many needs one by one (enough for a stable rate; the import does `rows`). */
  baselineNeeds: number;
}

const LABEL_TO_CODE: Record<string, Record<string, string>> = {
  需求类别: { 技术攻关: 'tech-breakthrough', 成果转化: 'achievement-transfer' },
  技术领域: { 电子信息: 'electronic-information', 新材料: 'new-materials', '先进制造与自动化': 'advanced-manufacturing', 新能源与节能: 'new-energy', 生物与新医药: 'biomedicine' },
};

/** A form row as the two API requests a broker would send instead. */
function requestsOf(row: FormRow) {
  return {
    enterprise: { name: row['企业名称'], creditCode: row['统一社会信用代码'], regionCode: row['所在地区代码'], industryCode: row['行业代码'] },
    need: {
      title: row['需求名称'],
      description: row['需求描述'],
      category: LABEL_TO_CODE['需求类别'][row['需求类别']],
      technicalField: LABEL_TO_CODE['技术领域'][row['技术领域']],
      keywords: row['关键词'].split('、'),
      budgetMinFen: 50_000_000,
      budgetMaxFen: 200_500_000,
      cooperationModes: ['joint-development', 'commissioned-development'],
      confidentiality: 'park-only',
      contact: { name: row['联系人'], phone: row['联系电话'], email: row['电子邮箱'] },
    },
  };
}

async function baseline(intake: ApiClient, rows: FormRow[]): Promise<number> {
  const started = Date.now();
  const enterpriseIds = new Map<string, string>();
  for (const row of rows) {
    const { enterprise, need } = requestsOf(row);
    let enterpriseId = enterpriseIds.get(enterprise.creditCode);
    if (!enterpriseId) {
      const created = await intake.post('/enterprises', enterprise);
      if (created.status !== 201) throw new Error(`enterprise: ${created.status} ${JSON.stringify(created.body)}`);
      enterpriseId = created.body.id as string;
      enterpriseIds.set(enterprise.creditCode, enterpriseId);
    }
    const res = await intake.post('/needs', { ...need, enterpriseId });
    if (res.status !== 201) throw new Error(`need: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return (Date.now() - started) / 1000;
}

export async function benchNeedsImport(system: TestSystem, { rows: ROWS, enterprises: ENTERPRISES, baselineNeeds: BASELINE_NEEDS }: NeedsImportOptions) {
  const viaApi = system.api('intake', await brokerToken(`park-bench-api-${system.runId}`));
  const baselineSeconds = await baseline(viaApi, validRows(BASELINE_NEEDS, Math.max(1, Math.round((BASELINE_NEEDS * ENTERPRISES) / ROWS)), 'api'));

  const intake = system.api('intake', await brokerToken(`park-bench-import-${system.runId}`));
  const template = await intake.download('/needs/imports/template');
  const file = await fillTemplate(template.bytes, validRows(ROWS, ENTERPRISES, 'bench'));
  const started = Date.now();
  const accepted = await intake.upload('/needs/imports', 'bench.xlsx', file);
  if (accepted.status !== 202) throw new Error(`upload: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const uploadSeconds = (Date.now() - started) / 1000;
  const done = await eventually(
    () => intake.get(`/needs/imports/${accepted.body.id}`),
    (r) => r.body.status === 'done' || r.body.status === 'failed',
    { timeoutMs: 600_000, intervalMs: 250, what: 'the import' },
  );
  const importSeconds = (Date.now() - started) / 1000;
  if (done.body.status !== 'done' || done.body.counts.created !== ROWS) throw new Error(`import: ${JSON.stringify(done.body)}`);

  const baselinePerSecond = BASELINE_NEEDS / baselineSeconds;
  const importPerSecond = ROWS / importSeconds;
  return {
    when: new Date().toISOString(),
    machine: { cpus: require('node:os').cpus().length, node: process.version },
    rows: ROWS,
    enterprises: ENTERPRISES,
    fileBytes: file.length,
    baseline: { what: 'POST /needs one by one (one client), enterprises first', needs: BASELINE_NEEDS, seconds: baselineSeconds, needsPerSecond: +baselinePerSecond.toFixed(1) },
    import: { uploadSeconds, seconds: importSeconds, needsPerSecond: +importPerSecond.toFixed(1), counts: done.body.counts },
    importRateVsBaseline: +(importPerSecond / baselinePerSecond).toFixed(2),
    withinAMinute: importSeconds <= 60,
  };
}

async function main() {
  const system = await TestSystem.start();
  try {
    const result = await benchNeedsImport(system, {
      rows: Number(process.env.BENCH_ROWS ?? 5000),
      enterprises: Number(process.env.BENCH_ENTERPRISES ?? 250),
      baselineNeeds: Number(process.env.BENCH_BASELINE_NEEDS ?? 500),
    });
    const dir = join(REPO_ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `needs-import-${result.when.replace(/[:.]/g, '-')}.json`);
    writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
    console.log(`written to ${out}`);
  } finally {
    await system.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
