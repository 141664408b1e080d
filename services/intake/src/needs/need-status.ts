import type { NeedStatus } from '@tt/contracts';

/**
 * What intake has learnt downstream of a need, from matching's and contract-tracking's events. The
 * status is derived from these facts rather than moved step by step, so events of the match and the
 * deal topics (which are not ordered with each other) may arrive in any order and a redelivery
 * changes nothing.
 */
export interface DownstreamFacts {
  /** matching proposed at least one supply */
  proposed: boolean;
  /** proposals the broker accepted (each opens a deal) */
  acceptedProposalIds: string[];
  /** the need's deals by id, with the stage each reached; a deal's own events arrive in order */
  deals: Record<string, { proposalId?: string; stage: DealStage }>;
}
export type DealStage = 'intent' | 'signed' | 'registered' | 'cancelled';

export const NO_FACTS: DownstreamFacts = { proposed: false, acceptedProposalIds: [], deals: {} };

/** A need the broker withdrew or closed stays so, whatever happens downstream. */
export const ENDED_STATUSES: NeedStatus[] = ['withdrawn', 'closed'];

/** The broker may revise a need until a deal is under way. */
export const REVISABLE_STATUSES: NeedStatus[] = ['open', 'proposed'];

/** The enterprise may withdraw a need until its contract is registered. */
export const WITHDRAWABLE_STATUSES: NeedStatus[] = ['open', 'proposed', 'negotiating', 'contracted'];

/** The broker closes a need with an outcome at any point before it ended, registered included (已解决). */
export const CLOSABLE_STATUSES: NeedStatus[] = ['open', 'proposed', 'negotiating', 'contracted', 'registered'];

export function statusFrom(facts: DownstreamFacts): NeedStatus {
  const deals = Object.values(facts.deals);
  if (deals.some((d) => d.stage === 'registered')) return 'registered';
  if (deals.some((d) => d.stage === 'signed')) return 'contracted';
  if (deals.some((d) => d.stage === 'intent')) return 'negotiating';
  // An accepted proposal whose deal has not been seen yet: the deal is being opened.
  const covered = new Set(deals.map((d) => d.proposalId));
  if (facts.acceptedProposalIds.some((id) => !covered.has(id))) return 'negotiating';
  return facts.proposed ? 'proposed' : 'open';
}

export type DownstreamEvent =
  | { kind: 'proposed'; proposals: number }
  | { kind: 'accepted'; proposalId: string }
  | { kind: 'deal-opened'; dealId: string; proposalId: string }
  | { kind: 'deal-stage'; dealId: string; stage: Exclude<DealStage, 'intent'> };

const STAGE_ORDER: Record<DealStage, number> = { intent: 0, signed: 1, registered: 2, cancelled: 2 };

/** The facts after one event; the same event applied twice gives the same facts. */
export function applyDownstream(facts: DownstreamFacts, event: DownstreamEvent): DownstreamFacts {
  switch (event.kind) {
    case 'proposed':
      return { ...facts, proposed: facts.proposed || event.proposals > 0 };
    case 'accepted':
      return facts.acceptedProposalIds.includes(event.proposalId)
        ? facts
        : { ...facts, acceptedProposalIds: [...facts.acceptedProposalIds, event.proposalId] };
    case 'deal-opened': {
      const known = facts.deals[event.dealId];
      return { ...facts, deals: { ...facts.deals, [event.dealId]: { ...known, proposalId: event.proposalId, stage: known?.stage ?? 'intent' } } };
    }
    case 'deal-stage': {
      const known = facts.deals[event.dealId];
      // Never back: a registered or cancelled deal stays so.
      if (known && STAGE_ORDER[known.stage] >= STAGE_ORDER[event.stage]) return facts;
      return { ...facts, deals: { ...facts.deals, [event.dealId]: { ...known, stage: event.stage } } };
    }
  }
}
