import { z } from 'zod';
import { TOPICS } from './topics';
import { id, isoDateTime, regionCode, supplyKind, technicalField } from './common';
import { defineEvent } from './event-definition';
import { REJECTION_REASON_CODES } from '../domain/vocabulary';

/**
 * The factors a proposal's score is made of; the contributions of a proposal's reasons add up to its
 * score. `kind` (the category's kind rule), `terms` (text evidence), then the weighed constraints and
 * `feedback` (what brokers decided on this item for similar needs, which may subtract).
 */
export const MATCH_REASON_KINDS = ['kind', 'terms', 'field', 'region', 'maturity', 'budget', 'eligibility', 'cooperation', 'feedback'] as const;
export type MatchReasonKind = (typeof MATCH_REASON_KINDS)[number];

const matchReason = z.strictObject({
  kind: z.enum(MATCH_REASON_KINDS),
  detail: z.string().max(500),
  contribution: z.number().min(-1).max(1),
  terms: z.array(z.string().max(40)).max(50).optional(),
  /** Term by term (the text evidence): the parts add up to the contribution */
  parts: z.array(z.strictObject({ label: z.string().max(80), contribution: z.number().min(-1).max(1) })).max(60).optional(),
});

const proposal = z.strictObject({
  proposalId: id,
  supplyId: id,
  supplyKind,
  supplyName: z.string().min(1).max(200),
  score: z.number().min(0).max(1),
  rank: z.number().int().min(1),
  reasons: z.array(matchReason).max(MATCH_REASON_KINDS.length),
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
    /** Coded, so the ranking learns from it; absent on events recorded before codes existed */
    reasonCode: z.enum(REJECTION_REASON_CODES).optional(),
    reason: z.string().min(1).max(500),
    rejectedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});
