import { z } from 'zod';
import { TOPICS } from './topics';
import { confidentiality, cooperationMode, fen, id, isoDateTime, needCategory, regionCode, supplyKind, technicalField } from './common';
import { ENTERPRISE_QUALIFICATION_CODES, NEED_HARD_CONSTRAINT_CODES } from '../domain/vocabulary';
import { defineEvent } from './event-definition';

/** What matching scores a need on: stated in full by need captured and again by every need revised. */
export const needState = {
  enterpriseName: z.string().min(1).max(200),
  regionCode,
  industryCode: z.string().max(16).optional(),
  title: z.string().min(1).max(200),
  description: z.string().min(1).max(5000),
  category: needCategory,
  technicalField,
  keywords: z.array(z.string().min(1).max(40)).max(20),
  budgetMinFen: fen.optional(),
  budgetMaxFen: fen.optional(),
  cooperationModes: z.array(cooperationMode).max(10),
  confidentiality,
  /** Kinds of help wanted, when the broker narrows what the category implies */
  supplyKinds: z.array(supplyKind).min(1).max(6).optional(),
  /** 技术成熟度 wanted (TRL 1..9) */
  minTrl: z.number().int().min(1).max(9).optional(),
  /** Months until the answer must be in use or production (明年就要上量 → 12) */
  neededWithinMonths: z.number().int().min(1).max(120).optional(),
  preferredRegionCodes: z.array(regionCode).min(1).max(20).optional(),
  excludedRegionCodes: z.array(regionCode).min(1).max(20).optional(),
  /** The enterprise's qualifications at capture (for finance products' eligibility) */
  enterpriseQualifications: z.array(z.enum(ENTERPRISE_QUALIFICATION_CODES)).max(ENTERPRISE_QUALIFICATION_CODES.length).optional(),
  /** Constraints that filter rather than weigh */
  hardConstraints: z.array(z.enum(NEED_HARD_CONSTRAINT_CODES)).max(NEED_HARD_CONSTRAINT_CODES.length).optional(),
};

/**
 * A broker recorded an enterprise's technology need. Carries what matching needs to score it; the
 * enterprise contact stays in intake (events are read by analysts, who never see contacts).
 */
export const NeedCapturedV1 = defineEvent({
  type: 'cn.techtransfer.need.captured.v1',
  topic: TOPICS.need,
  summary: 'A broker recorded an enterprise technology need (企业技术需求).',
  schema: z.strictObject({
    needId: id,
    enterpriseId: id,
    parkId: id,
    brokerId: id,
    ...needState,
    capturedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});
