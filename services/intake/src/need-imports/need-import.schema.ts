import { Schema } from 'mongoose';
import type { SpreadsheetFormat } from '@tt/platform';
import type { RowProblem } from './need-import-sheet';

export const NEED_IMPORT_MODEL = 'NeedImport';

export type NeedImportStatus = 'queued' | 'running' | 'done' | 'failed';

/** What became of one row: a need created, one the same row created before, or problems (nothing changed). */
export interface RowOutcome {
  row: number;
  outcome: 'created' | 'already-imported' | 'invalid';
  needId?: string;
  enterpriseName?: string;
  problems?: RowProblem[];
}

/**
 * One upload of a 需求征集表. The file is kept until the job has read it (so any instance's worker can),
 * then dropped: the outcomes are the record.
 */
export interface NeedImport {
  _id: string;
  parkId: string;
  brokerId: string;
  filename: string;
  format: SpreadsheetFormat;
  sha256: string;
  file?: Buffer;
  status: NeedImportStatus;
  total?: number;
  processed: number;
  counts: { created: number; alreadyImported: number; invalid: number; enterprisesCreated: number };
  outcomes: RowOutcome[];
  error?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

export const NeedImportSchema = new Schema<NeedImport>(
  {
    _id: { type: String, required: true },
    parkId: { type: String, required: true },
    brokerId: { type: String, required: true },
    filename: { type: String, required: true },
    format: { type: String, required: true },
    sha256: { type: String, required: true },
    file: { type: Buffer },
    status: { type: String, required: true },
    total: { type: Number },
    processed: { type: Number, default: 0 },
    counts: { type: Schema.Types.Mixed, default: { created: 0, alreadyImported: 0, invalid: 0, enterprisesCreated: 0 } },
    outcomes: { type: Schema.Types.Mixed, default: [] },
    error: { type: String },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date },
    finishedAt: { type: Date },
  },
  { collection: 'need_imports', versionKey: false, minimize: false },
);
// A park's imports, newest first.
NeedImportSchema.index({ parkId: 1, createdAt: -1 });
