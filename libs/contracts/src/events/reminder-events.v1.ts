import { z } from 'zod';
import { TOPICS } from './topics';
import { id, isoDateTime, supplyKind } from './common';
import { dealContext } from './deal-events.v1';
import { defineEvent } from './event-definition';

/**
 * Reminders (专员跟踪): something a broker should act on has waited too long. Each is raised once, by
 * the service that owns what waits (matching for a proposal without a decision, contract-tracking for
 * a deal stuck at intent or signed), on that aggregate's topic; intake keeps them as each broker's
 * overdue list and clears one when what it waited for happens.
 */
const reminder = {
  /** `<kind>/<aggregate id>`: one reminder per thing and stage, however often the check runs */
  reminderId: id,
  /** When the wait began (the proposal made, the deal opened or signed) */
  since: isoDateTime,
  /** The configured wait, in seconds, after which the reminder is due */
  waitedSeconds: z.number().int().positive(),
  raisedAt: isoDateTime,
};

export const ProposalReminderV1 = defineEvent({
  type: 'cn.techtransfer.match.reminder.v1',
  topic: TOPICS.match,
  summary: 'A proposal has had no decision (accept or reject) for the configured time: the need’s broker is reminded.',
  schema: z.strictObject({
    ...reminder,
    kind: z.literal('proposal-undecided'),
    needId: id,
    parkId: id,
    brokerId: id,
    proposalId: id,
    supplyId: id,
    supplyKind,
    supplyName: z.string().min(1).max(200),
  }),
  keyOf: (p) => p.needId,
});

export const DealReminderV1 = defineEvent({
  type: 'cn.techtransfer.deal.reminder.v1',
  topic: TOPICS.deal,
  summary: 'A deal has stayed at intent (no contract signed) or signed (not registered) for the configured time: its broker is reminded.',
  schema: z.strictObject({
    ...dealContext,
    ...reminder,
    kind: z.enum(['deal-idle-at-intent', 'deal-idle-at-signed']),
  }),
  keyOf: (p) => p.dealId,
});
