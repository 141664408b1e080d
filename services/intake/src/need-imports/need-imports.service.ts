import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import { invalid, readSpreadsheet, spreadsheetFormatOf, spreadsheetProblem, writeXlsx, type Principal, type ReadSheet } from '@tt/platform';
import { traceparentForJob } from '@tt/observability';
import type { EnterpriseView } from '../enterprises/enterprise-view';
import { EnterprisesService } from '../enterprises/enterprises.service';
import { NeedsService } from '../needs/needs.service';
import type { CreateNeedDto } from '../needs/need.dto';
import { CONFIDENTIALITY_LABELS, HEADER_MARKER, templateSpec } from './need-import-columns';
import { needRowRuleProblems, parseRow } from './need-import-sheet';
import { NEED_IMPORT_JOB_DEFAULTS, NEED_IMPORT_QUEUE, type NeedImportJob } from './need-import.queue';
import type { RowOutcome } from './need-import.schema';
import { NeedImportsRepository } from './need-imports.repository';

type Broker = Principal & { parkId: string };

/** The most rows one upload may hold: a district's collection campaign, not a data dump. */
export const MAX_IMPORT_ROWS = 10_000;
const PROGRESS_EVERY = 100;
const COUNT_OF_OUTCOME = { created: 'created', 'already-imported': 'alreadyImported', invalid: 'invalid' } as const;

/** A row that passed every check: its need, waiting for the next write (index: its place in the sheet). */
type ValidRow = { index: number; row: number; dto: CreateNeedDto; enterprise: EnterpriseView };

@Injectable()
export class NeedImportsService {
  private readonly logger = new Logger(NeedImportsService.name);

  constructor(
    private readonly repository: NeedImportsRepository,
    @InjectQueue(NEED_IMPORT_QUEUE) private readonly queue: Queue<NeedImportJob>,
    private readonly enterprises: EnterprisesService,
    private readonly needs: NeedsService,
  ) {}

  /** The blank form: the columns (required ones marked *), drop-down lists, and a guide sheet. */
  async template(): Promise<Buffer> {
    const spec = templateSpec();
    return writeXlsx([
      { name: '需求征集表', columns: spec.columns, rows: [], lists: spec.lists },
      {
        name: '填写说明',
        columns: [
          { key: 'column', header: '列', width: 20 },
          { key: 'required', header: '必填', width: 8 },
          { key: 'guide', header: '填写要求与可选值', width: 120 },
        ],
        rows: [
          ...spec.guide,
          { column: '说明', required: '', guide: '每行一条需求。同一企业（统一社会信用代码相同）的多条需求共用一个企业；园区内已有的企业不会重复创建。' },
          { column: '说明', required: '', guide: '同一行重复上传不会重复创建需求；有问题的行不做任何修改，问题清单可在导入报告中下载。' },
          { column: '示例', required: '', guide: `保密要求可选：${Object.values(CONFIDENTIALITY_LABELS).join('、')}；预算填写50即50万元。` },
        ],
      },
    ]);
  }

  /** Stores the upload and queues its import (202). A file that is not a readable form is a 400 at once. */
  async upload(file: { originalname: string; buffer: Buffer } | undefined, broker: Broker) {
    if (!file) throw invalid([{ pointer: 'body.file', reason: 'send the form as multipart/form-data in a field named file' }]);
    const format = spreadsheetFormatOf(file.originalname, file.buffer);
    if (!format) throw invalid([{ pointer: 'body.file', reason: 'the file must be an .xlsx workbook or a .csv (UTF-8) file' }]);
    let sheet: ReadSheet;
    try {
      // Sizes checked before inflating, rows streamed with the limits applied while reading (see @tt/platform spreadsheets).
      sheet = await readSpreadsheet(file.buffer, format, HEADER_MARKER, { maxRows: MAX_IMPORT_ROWS });
    } catch (error) {
      throw spreadsheetProblem(error, 'body.file', (message) => `not a 需求征集表: ${message}; download the template from GET /needs/imports/template`);
    }
    if (sheet.rows.length === 0) throw invalid([{ pointer: 'body.file', reason: 'the form has no rows under its header' }]);
    const id = randomUUID();
    await this.repository.insertQueued({
      _id: id,
      parkId: broker.parkId,
      brokerId: broker.subject,
      filename: file.originalname.slice(0, 200),
      format,
      sha256: createHash('sha256').update(file.buffer).digest('hex'),
      file: file.buffer,
      status: 'queued',
      total: sheet.rows.length,
      processed: 0,
      createdAt: new Date(),
    });
    // If this enqueue is lost (a crash right here), the import stays queued: GET shows it, and
    // re-uploading the file is safe, since rows already imported are recognised.
    await this.queue.add('import-needs', { importId: id, ...traceparentForJob() }, { ...NEED_IMPORT_JOB_DEFAULTS, jobId: id });
    return this.get(id, broker.parkId);
  }

  /**
   * The job: every row checked with the API's rules; valid rows become needs (and their enterprises,
   * found by credit code in the park); invalid rows change nothing. The needs are written PROGRESS_EVERY
   * rows at a time, in one insert, before the progress moves. Safe to run again after a crash: a row's
   * need id comes from its content, so a rerun meets what the first run created.
   */
  async process(importId: string): Promise<void> {
    const job = await this.repository.findForJob(importId);
    if (!job || job.status === 'done') return;
    if (!job.file) throw new Error(`import ${importId} has no file`);
    await this.repository.markRunning(importId);
    // lean() gives the stored bytes as a BSON Binary (its `buffer` is exactly the data), a Buffer when mongoose hydrates.
    const bytes = Buffer.isBuffer(job.file) ? job.file : Buffer.from((job.file as unknown as { buffer: Uint8Array }).buffer);
    const sheet = await readSpreadsheet(bytes, job.format, HEADER_MARKER, { maxRows: MAX_IMPORT_ROWS });
    const broker: Broker = { subject: job.brokerId, parkId: job.parkId, role: 'broker' } as Broker;
    const enterprisesByCode = new Map<string, EnterpriseView>();
    const counts = { created: 0, alreadyImported: 0, invalid: 0, enterprisesCreated: 0 };
    const outcomes: RowOutcome[] = [];
    let valid: ValidRow[] = [];
    const writeValid = async () => {
      if (valid.length === 0) return;
      const results = await this.needs.captureImported(valid, broker, importId);
      for (const [k, { index, row, enterprise }] of valid.entries()) {
        // A rerun of this import meets the needs its first run created: they are still this import's.
        const created = results[k].created || results[k].importId === importId;
        outcomes[index] = { row, outcome: created ? 'created' : 'already-imported', needId: results[k].needId, enterpriseName: enterprise.name };
      }
      valid = [];
    };
    for (const [i, { rowNumber, values, unsafe }] of sheet.rows.entries()) {
      // Text with control characters is refused as the JSON API refuses it.
      const checked: RowOutcome | ValidRow = unsafe
        ? { row: rowNumber, outcome: 'invalid', problems: unsafe.map((field) => ({ field, problem: '含控制字符 (control characters such as NUL or escape sequences are not allowed in text)' })) }
        : await this.checkRow(i, rowNumber, values, enterprisesByCode, broker, counts);
      if ('outcome' in checked) outcomes[i] = checked;
      else valid.push(checked);
      if ((i + 1) % PROGRESS_EVERY === 0) {
        await writeValid();
        await this.repository.recordProgress(importId, i + 1);
      }
    }
    await writeValid();
    for (const outcome of outcomes) counts[COUNT_OF_OUTCOME[outcome.outcome]]++;
    await this.repository.markDone(importId, { processed: sheet.rows.length, counts, outcomes });
    this.logger.log(`import ${importId}: ${counts.created} created, ${counts.alreadyImported} already imported, ${counts.invalid} invalid`);
  }

  /**
   * One row checked: its problems (an invalid row writes nothing), or the need to write with its
   * enterprise, found in the park or created (the only write a valid row makes before its need's).
   */
  private async checkRow(
    index: number,
    row: number,
    values: Record<string, string>,
    enterprisesByCode: Map<string, EnterpriseView>,
    broker: Broker,
    counts: { enterprisesCreated: number },
  ): Promise<RowOutcome | ValidRow> {
    const parsed = parseRow(values);
    if (!parsed.ok) return { row, outcome: 'invalid', problems: parsed.problems };
    const { creditCode } = parsed.enterprise;
    let enterprise = enterprisesByCode.get(creditCode) ?? (await this.enterprises.findByCreditCode(creditCode, broker.parkId));
    // The eligibility rule reads the qualifications of the enterprise the need would belong to: the
    // park's record, or the row's own when the row creates the enterprise. Checked before any write.
    const problems = needRowRuleProblems(parsed.need, enterprise ? enterprise.qualifications : (parsed.enterprise.qualifications ?? []));
    if (problems.length > 0) return { row, outcome: 'invalid', problems };
    if (!enterprise) {
      const found = await this.enterprises.findOrCreate(parsed.enterprise, broker);
      enterprise = found.enterprise;
      if (found.created) counts.enterprisesCreated++;
    }
    enterprisesByCode.set(creditCode, enterprise);
    return { index, row, dto: { ...parsed.need, enterpriseId: enterprise.id }, enterprise };
  }

  async markFailed(importId: string, error: string): Promise<void> {
    await this.repository.markFailed(importId, error);
  }

  /** Progress and counts; the row-by-row outcome is the report. */
  async get(id: string, parkId: string) {
    return this.repository.get(id, parkId);
  }

  /** The per-row report as XLSX: every row's outcome, and one line per problem (row, column, problem). */
  async report(id: string, parkId: string): Promise<{ filename: string; bytes: Buffer } | { status: string }> {
    const found = await this.repository.findWithOutcomes(id, parkId);
    if (found.status !== 'done') return { status: found.status };
    const outcomeLabel = { created: '已导入', 'already-imported': '此前已导入（未重复创建）', invalid: '有问题，未导入' } as const;
    const bytes = await writeXlsx([
      {
        name: '问题清单',
        columns: [
          { key: 'row', header: '行号', width: 8 },
          { key: 'field', header: '字段', width: 20 },
          { key: 'problem', header: '问题', width: 90 },
        ],
        rows: found.outcomes.flatMap((o) => (o.problems ?? []).map((p) => ({ row: o.row, field: p.field, problem: p.problem }))),
      },
      {
        name: '导入结果',
        columns: [
          { key: 'row', header: '行号', width: 8 },
          { key: 'outcome', header: '结果', width: 26 },
          { key: 'needId', header: '需求编号', width: 40 },
          { key: 'enterpriseName', header: '企业', width: 36 },
        ],
        rows: found.outcomes.map((o) => ({ row: o.row, outcome: outcomeLabel[o.outcome], needId: o.needId ?? '', enterpriseName: o.enterpriseName ?? '' })),
      },
    ]);
    return { filename: `需求导入报告-${found.filename.replace(/\.[^.]+$/, '')}.xlsx`, bytes };
  }
}
