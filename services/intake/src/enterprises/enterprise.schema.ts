import { Schema } from 'mongoose';
import type { EnterpriseQualification } from '@tt/contracts';

export const ENTERPRISE_MODEL = 'Enterprise';

export interface Enterprise {
  _id: string;
  parkId: string;
  name: string;
  /** 统一社会信用代码 */
  creditCode: string;
  regionCode: string;
  /** GB/T 4754 国民经济行业分类 code, e.g. C3973 */
  industryCode?: string;
  qualifications: EnterpriseQualification[];
  createdBy: string;
  /** Counts revisions: the ETag, and the compare-and-set guard of PATCH. */
  version?: number;
  createdAt: Date;
  updatedAt: Date;
}

export const EnterpriseSchema = new Schema<Enterprise>(
  {
    _id: { type: String, required: true },
    parkId: { type: String, required: true },
    name: { type: String, required: true },
    creditCode: { type: String, required: true },
    regionCode: { type: String, required: true },
    industryCode: { type: String },
    qualifications: { type: [String], default: [] },
    createdBy: { type: String, required: true },
    version: { type: Number },
  },
  { collection: 'enterprises', timestamps: true, versionKey: false },
);
// One record per enterprise and park: a second POST with the same credit code is a conflict.
EnterpriseSchema.index({ parkId: 1, creditCode: 1 }, { unique: true });
// Listing a park's enterprises by name.
EnterpriseSchema.index({ parkId: 1, name: 1 });
