import { z } from 'zod';
import { TOPICS } from './topics';
import { confidentiality, cooperationMode, fen, id, isoDateTime, needCategory, regionCode, technicalField } from './common';
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
