import { LEXICON_VERSION } from './domain-lexicon';

/**
 * The relevance model's tunables and its version, apart from the ranking code so that the evaluation's
 * tuner (eval/tune.ts) and the proposals' recorded model version read them without the model itself.
 */

/**
 * The weight of each factor; a factor's contribution is its weight × its value in 0..1, so the score,
 * their sum, stays within 0..1. The context factors (field … cooperation) count in proportion to the
 * text evidence (see textGate): a right field or a near address never carries an item with nothing
 * to say about the need.
 */
export const SCORE_WEIGHTS = {
  kind: 0.1,
  text: 0.45,
  field: 0.08,
  region: 0.1,
  maturity: 0.08,
  budget: 0.05,
  eligibility: 0.05,
  cooperation: 0.04,
  feedback: 0.05,
} as const;

/** Everything the model's behaviour is tuned by, in one place (tuned on the evaluation set's dev half). */
export const MODEL_PARAMS = {
  weights: SCORE_WEIGHTS as Record<keyof typeof SCORE_WEIGHTS, number>,
  /** A secondary kind (helps in part) gets this share of the kind weight. */
  secondaryKind: 0.5,
  /** Rejections may take up to this much off (feedback's positive side is capped at weights.feedback). */
  feedbackPenalty: 0.15,
  /** Text relevance at which the context factors count in full. */
  textGate: 0.25,
  /** Share of the text score that comes from segmented words (BM25F) rather than character overlap. */
  wordShare: 0.7,
  /** Title and explicit keywords state what the need is about; the description adds context. */
  queryWeight: { title: 2, keywords: 2, description: 1, category: 0.5 },
};
export type ModelParams = typeof MODEL_PARAMS;

/**
 * Bumped with every change to the scoring; it names the dictionary's version too, so every proposal
 * says which model and which words ranked it (acceptance rates compare between versions).
 */
export const MODEL_VERSION = `kind-constraints-bm25f-bigram-3/${LEXICON_VERSION}`;
