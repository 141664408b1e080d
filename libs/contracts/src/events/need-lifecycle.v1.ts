import { z } from 'zod';
import { TOPICS } from './topics';
import { id, isoDateTime, needCloseOutcome } from './common';
import { needState } from './need-captured.v1';
import { defineEvent } from './event-definition';

/**
 * The broker revised a need (optimistic concurrency in intake: `revision` counts from 1, the captured
 * need being revision 0). Carries the whole matching-relevant state as it now stands, so a consumer
 * replaces its copy rather than merging; a consumer ignores a revision not above the one it holds.
 */
export const NeedRevisedV1 = defineEvent({
  type: 'cn.techtransfer.need.revised.v1',
  topic: TOPICS.need,
  summary: 'A broker revised a need; the payload restates every field matching scores on.',
  schema: z.strictObject({
    needId: id,
    parkId: id,
    brokerId: id,
    revision: z.number().int().min(1),
    ...needState,
    revisedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});

/** The enterprise withdrew the need (撤回): nothing more is proposed for it. */
export const NeedWithdrawnV1 = defineEvent({
  type: 'cn.techtransfer.need.withdrawn.v1',
  topic: TOPICS.need,
  summary: 'A need was withdrawn; matching stops proposing for it.',
  schema: z.strictObject({
    needId: id,
    parkId: id,
    brokerId: id,
    reason: z.string().min(1).max(500),
    withdrawnAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});

/** The broker closed the need with an outcome (已解决, 企业自行解决, …): nothing more is proposed for it. */
export const NeedClosedV1 = defineEvent({
  type: 'cn.techtransfer.need.closed.v1',
  topic: TOPICS.need,
  summary: 'A need was closed with an outcome; matching stops proposing for it.',
  schema: z.strictObject({
    needId: id,
    parkId: id,
    brokerId: id,
    outcome: needCloseOutcome,
    note: z.string().max(1000).optional(),
    closedAt: isoDateTime,
  }),
  keyOf: (p) => p.needId,
});
