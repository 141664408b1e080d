import { z } from 'zod';
import { TOPICS } from './topics';
import { id, isoDateTime, regionCode, supplyKind, technicalField } from './common';
import { defineEvent } from './event-definition';

const matchReason = z.strictObject({
  kind: z.enum(['terms', 'field', 'region', 'maturity']),
  detail: z.string().max(500),
  contribution: z.number().min(0).max(1),
  terms: z.array(z.string().max(40)).max(50).optional(),
});

const proposal = z.strictObject({
  proposalId: id,
  supplyId: id,
  supplyKind,
  supplyName: z.string().min(1).max(200),
  score: z.number().min(0).max(1),
  rank: z.number().int().min(1),
  reasons: z.array(matchReason).max(10),
});

/** Matching scored the supply catalogue for a need; `proposals` is empty when nothing relevant was found. */
export const MatchProposedV1 = defineEvent({
  type: 'cn.techtransfer.match.proposed.v1',
  topic: TOPICS.match,
  summary: 'The supply catalogue was scored for a need; the top candidates with explainable scores.',
  schema: z.strictObject({
    needId: id,
    parkId: id,
    modelVersion: z.string().max(40),
    proposals: z.array(proposal).max(50),
    proposedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});

/** The broker accepted a proposal: the two sides will negotiate (opens a deal). */
export const MatchAcceptedV1 = defineEvent({
  type: 'cn.techtransfer.match.accepted.v1',
  topic: TOPICS.match,
  summary: 'A broker accepted a proposed supply for a need (供需对接成功), which opens a deal.',
  schema: z.strictObject({
    needId: id,
    proposalId: id,
    parkId: id,
    brokerId: id,
    enterpriseId: id,
    enterpriseName: z.string().min(1).max(200),
    regionCode,
    technicalField,
    supplyId: id,
    supplyKind,
    supplyName: z.string().min(1).max(200),
    score: z.number().min(0).max(1),
    acceptedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});

/** The broker rejected a proposal, with a reason kept for improving the model. */
export const MatchRejectedV1 = defineEvent({
  type: 'cn.techtransfer.match.rejected.v1',
  topic: TOPICS.match,
  summary: 'A broker rejected a proposed supply for a need, with a reason.',
  schema: z.strictObject({
    needId: id,
    proposalId: id,
    parkId: id,
    brokerId: id,
    supplyId: id,
    reason: z.string().min(1).max(500),
    rejectedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});
