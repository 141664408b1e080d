import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import type { ModelParams } from './model-params';
import type { ItemFeedback, MatchReason } from './scoring.types';

/** How much each rejection reason says about the item for other needs of the same kind. */
const REJECTION_WEIGHT: Record<RejectionReason, number> = {
  'wrong-kind': 1,
  'wrong-field': 1,
  'too-immature': 0.7,
  'too-expensive': 0.5,
  'too-far': 0.5,
  'not-eligible': 0.3,
  other: 0.3,
  'already-tried': 0, // about that enterprise, not the item
};

/** Pseudo-decisions that keep a single decision from moving an item far. */
const FEEDBACK_SMOOTHING = 2;

/**
 * Brokers' decisions on this item for needs of the same category and field, each weighed by how much
 * that need asked the same of the item as this one (the overlap of the terms matched, Jaccard): a lab
 * rejected for a battery-recycling need says little about a battery-safety need. Accepted decisions
 * raise the item a little, coded rejections lower it, by what each reason says about the item.
 */
export function feedbackReason(decisions: ItemFeedback | undefined, terms: readonly string[], params: ModelParams): MatchReason | undefined {
  if (!decisions?.length) return undefined;
  let accepted = 0;
  let rejected = 0;
  let against = 0;
  const said = new Map<RejectionReason, number>();
  let acceptedCount = 0;
  for (const d of decisions) {
    const similarity = jaccard(terms, d.terms);
    if (similarity === 0) continue;
    if (d.outcome === 'accepted') {
      accepted += similarity;
      acceptedCount += 1;
    } else {
      rejected += similarity;
      against += REJECTION_WEIGHT[d.outcome] * similarity;
      said.set(d.outcome, (said.get(d.outcome) ?? 0) + 1);
    }
  }
  const net = (accepted - against) / (accepted + rejected + FEEDBACK_SMOOTHING); // one decision moves it a little
  if (net === 0) return undefined;
  const list = [...said].map(([reason, c]) => `${REJECTION_REASONS[reason]}×${c}`);
  return {
    kind: 'feedback',
    detail: `相似需求的经纪人反馈 decisions on similar needs: 采纳×${acceptedCount}${list.length ? `, 拒绝: ${list.join('、')}` : ''}（按需求相似度加权）`,
    contribution: net > 0 ? params.weights.feedback * net : params.feedbackPenalty * net,
  };
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  const set = new Set(a);
  const shared = b.filter((t) => set.has(t)).length;
  return shared / (set.size + new Set(b).size - shared);
}
