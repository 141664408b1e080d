import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { notFound } from '@tt/platform';
import { NEED_IMPORT_MODEL, type NeedImport } from './need-import.schema';

/** The need_imports collection: an upload, its job's progress and outcomes, and the reads within the caller's park. */
@Injectable()
export class NeedImportsRepository {
  constructor(@InjectModel(NEED_IMPORT_MODEL) private readonly imports: Model<NeedImport>) {}

  async insertQueued(upload: Omit<NeedImport, 'counts' | 'outcomes'>): Promise<void> {
    await this.imports.create(upload);
  }

  /** The import with its file, for the job (which runs for no caller, so whichever park). */
  async findForJob(importId: string): Promise<NeedImport | null> {
    return (await this.imports.findById(importId).lean().exec()) as NeedImport | null;
  }

  async markRunning(importId: string): Promise<void> {
    await this.imports.updateOne({ _id: importId }, { $set: { status: 'running', startedAt: new Date(), processed: 0 } }).exec();
  }

  async recordProgress(importId: string, processed: number): Promise<void> {
    await this.imports.updateOne({ _id: importId }, { $set: { processed } }).exec();
  }

  /** The outcomes are the record: the file's bytes are dropped once imported. */
  async markDone(importId: string, result: Pick<NeedImport, 'processed' | 'counts' | 'outcomes'>): Promise<void> {
    await this.imports
      .updateOne({ _id: importId }, { $set: { status: 'done', processed: result.processed, counts: result.counts, outcomes: result.outcomes, finishedAt: new Date() }, $unset: { file: 1 } })
      .exec();
  }

  async markFailed(importId: string, error: string): Promise<void> {
    await this.imports.updateOne({ _id: importId, status: { $ne: 'done' } }, { $set: { status: 'failed', error: error.slice(0, 500) } }).exec();
  }

  /** Progress and counts; the row-by-row outcome is the report. */
  async get(id: string, parkId: string) {
    const found = await this.imports.findOne({ _id: id, parkId }, { file: 0, outcomes: 0 }).lean().exec();
    if (!found) throw notFound('need import', id);
    const { _id, ...rest } = found as NeedImport;
    return { id: _id, ...rest, links: { self: `/needs/imports/${_id}`, report: `/needs/imports/${_id}/report` } };
  }

  /** The import with its per-row outcomes (not its file). */
  async findWithOutcomes(id: string, parkId: string): Promise<NeedImport> {
    const found = await this.imports.findOne({ _id: id, parkId }, { file: 0 }).lean().exec();
    if (!found) throw notFound('need import', id);
    return found as NeedImport;
  }
}
