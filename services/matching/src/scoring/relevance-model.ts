import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import { fieldAffinity, fieldLabel } from '@tt/contracts';
import { domainLexicon, tokenize, type DomainLexicon } from './domain-lexicon';
import { BigramIndex, FIELD_WEIGHTS, saturate, WordIndex, type FieldTokens, type TextField } from './text-index';
import { CATEGORY_CUE_TERMS, kindFit } from './kind-rules';
import { budgetVerdict, cooperationVerdict, eligibilityVerdict, maturityVerdict, regionVerdict, serviceAreaVerdict, type Verdict } from './constraints';
import type { ItemFeedback, MatchReason, NeedForMatching, RankedCandidate, RankOptions, ReasonPart, SupplyItem } from './scoring.types';

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

export const MODEL_VERSION = 'kind-constraints-bm25f-bigram-2';

const DEFAULT_LIMIT = 20;
const FIELD_LABELS: Record<TextField, string> = { keywords: '关键词', name: '名称', summary: '简介' };

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** One need term with the ways the catalogue may write it (itself, synonyms, broader terms). */
interface QueryGroup {
  term: string;
  weight: number;
  sense?: string;
  variants: { term: string; weight: number; relation: 'self' | 'synonym' | 'broader' }[];
}

function itemText(item: SupplyItem): string {
  return `${item.name} ${item.organisation ?? ''} ${item.keywords.join(' ')} ${item.summary}`;
}

/**
 * Ranks the supply catalogue against an enterprise need (供需对接). Immutable once built: rebuild it
 * when the catalogue changes. For each need:
 * 1. the category (or the kinds the broker named) decides which kinds of supply may answer;
 * 2. hard constraints (service area, excluded regions, and whatever the broker marked hard) remove items;
 * 3. the score adds up named factors: kind, text (words via BM25F with the domain dictionary's synonyms
 *    and homograph senses, plus character overlap), field, region, maturity, budget, eligibility,
 *    cooperation mode, and brokers' earlier decisions on the item.
 */
export class RelevanceModel {
  private readonly items: SupplyItem[] = [];
  private readonly position = new Map<string, number>();
  private readonly words: WordIndex;
  private readonly bigrams: BigramIndex;
  private readonly lexicon: DomainLexicon;
  private readonly texts: string[];
  private readonly params: ModelParams;

  constructor(catalogue: readonly SupplyItem[], options: { lexicon?: DomainLexicon; params?: Partial<ModelParams> } = {}) {
    this.lexicon = options.lexicon ?? domainLexicon();
    this.params = { ...MODEL_PARAMS, ...options.params };
    const docs: FieldTokens[] = [];
    for (const item of catalogue) {
      if (this.position.has(item.id)) throw new Error(`duplicate supply id ${item.id}`);
      this.position.set(item.id, this.items.length);
      this.items.push(item);
      docs.push({ keywords: item.keywords.flatMap((k) => tokenize(k)), name: tokenize(item.name), summary: tokenize(item.summary) });
    }
    this.words = new WordIndex(docs);
    this.texts = this.items.map(itemText);
    this.bigrams = new BigramIndex(this.items.map((i) => `${i.name} ${i.keywords.join(' ')} ${i.summary}`));
  }

  /** Whether the model holds this item at this catalogue revision or a later one. */
  has(supplyId: string, revision = 0): boolean {
    const at = this.position.get(supplyId);
    return at !== undefined && (this.items[at].revision ?? 0) >= revision;
  }

  get size(): number {
    return this.items.length;
  }

  rank(need: NeedForMatching, options: RankOptions = {}): RankedCandidate[] {
    const { limit = DEFAULT_LIMIT, minScore = 0, feedback } = options;
    const needText = `${need.title} ${need.keywords?.join(' ') ?? ''} ${need.description}`;
    const groups = this.queryGroups(need, needText);
    // The reference: an item naming each need term (or its best variant) once among its keywords.
    const bound = groups.reduce((s, g) => s + g.weight * Math.max(...g.variants.map((v) => v.weight * this.words.idf(v.term))) * saturate(FIELD_WEIGHTS.keywords), 0);

    // Word evidence per item: for each need term, the best of its variants (a synonym stands in for
    // the term, it does not add to it).
    const n = this.items.length;
    const wordScore = new Float32Array(n);
    const best = new Float32Array(n);
    const touched: number[] = [];
    for (const group of groups) {
      const seen: number[] = [];
      for (const v of group.variants) {
        this.words.forEachPosting(v.term, (doc, score) => {
          const value = group.weight * v.weight * score;
          if (best[doc] === 0) seen.push(doc);
          if (value > best[doc]) best[doc] = value;
        });
      }
      for (const doc of seen) {
        if (wordScore[doc] === 0) touched.push(doc);
        wordScore[doc] += this.senseClash(group, doc) ? 0 : best[doc];
        best[doc] = 0;
      }
    }
    const overlap = new Float32Array(n);
    const overlapping: number[] = [];
    this.bigrams.cosine(needText, overlap, overlapping);

    const candidates = new Set<number>([...touched.filter((d) => wordScore[d] > 0), ...overlapping]);
    const ranked: RankedCandidate[] = [];
    for (const doc of candidates) {
      const item = this.items[doc];
      const fit = kindFit(need.category, need.supplyKinds, item);
      if (!fit) continue;
      const words = bound > 0 ? Math.min(1, wordScore[doc] / bound) : 0;
      const text = this.params.wordShare * words + (1 - this.params.wordShare) * Math.min(1, overlap[doc]);
      if (words === 0 && overlap[doc] < 0.1) continue; // no word in common, and barely a character: nothing to say
      const verdicts = this.constraintVerdicts(need, item);
      if (verdicts.some((v) => v.verdict && 'excluded' in v.verdict)) continue;
      const reasons = this.explain(need, item, doc, fit, text, words, overlap[doc], groups, bound, verdicts, feedback?.get(item.id));
      const score = round4(reasons.reduce((s, r) => s + r.contribution, 0));
      if (score < minScore || score <= 0) continue;
      ranked.push({ supplyId: item.id, kind: item.kind, name: item.name, score, reasons });
    }
    ranked.sort((a, b) => b.score - a.score || (a.supplyId < b.supplyId ? -1 : a.supplyId > b.supplyId ? 1 : 0));
    return ranked.slice(0, limit);
  }

  /** The need's distinct terms, weighted by where they appear, with the dictionary's variants. */
  private queryGroups(need: NeedForMatching, needText: string): QueryGroup[] {
    const weights = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const term of tokenize(text)) weights.set(term, Math.max(weight, weights.get(term) ?? 0));
    };
    const q = this.params.queryWeight;
    add(need.title, q.title);
    add(need.description, q.description);
    for (const keyword of need.keywords ?? []) add(keyword, q.keywords);
    for (const cue of CATEGORY_CUE_TERMS[need.category]) if (!weights.has(cue)) weights.set(cue, q.category);
    const groups: QueryGroup[] = [];
    for (const [term, weight] of weights) {
      const sense = this.lexicon.senseOf(term, needText);
      const variants: QueryGroup['variants'] = [{ term, weight: 1, relation: 'self' }];
      for (const e of this.lexicon.expand(term, sense)) variants.push({ term: e.term, weight: e.weight, relation: e.relation });
      groups.push({ term, weight, sense, variants });
    }
    return groups;
  }

  /** A homograph read in another sense by the item than by the need (EMC 电磁兼容 vs 合同能源管理). */
  private senseClash(group: QueryGroup, doc: number): boolean {
    if (!group.sense) return false;
    const itemSense = this.lexicon.senseOf(group.term, this.texts[doc]);
    return itemSense !== undefined && itemSense !== group.sense;
  }

  private constraintVerdicts(need: NeedForMatching, item: SupplyItem) {
    return [
      { kind: 'region' as const, verdict: serviceAreaVerdict(need, item) ?? regionVerdict(need, item) },
      { kind: 'maturity' as const, verdict: maturityVerdict(need, item) },
      { kind: 'budget' as const, verdict: budgetVerdict(need, item) },
      { kind: 'eligibility' as const, verdict: eligibilityVerdict(need, item) },
      { kind: 'cooperation' as const, verdict: cooperationVerdict(need, item) },
    ];
  }

  private explain(
    need: NeedForMatching,
    item: SupplyItem,
    doc: number,
    fit: { fit: 'primary' | 'secondary'; detail: string },
    text: number,
    words: number,
    overlap: number,
    groups: QueryGroup[],
    bound: number,
    verdicts: { kind: 'region' | 'maturity' | 'budget' | 'eligibility' | 'cooperation'; verdict: Verdict }[],
    feedback: ItemFeedback | undefined,
  ): MatchReason[] {
    const reasons: MatchReason[] = [
      { kind: 'kind', detail: fit.detail, contribution: this.params.weights.kind * (fit.fit === 'primary' ? 1 : this.params.secondaryKind) },
      this.termsReason(doc, text, words, overlap, groups, bound),
    ];
    const gate = Math.min(1, text / this.params.textGate);
    const affinity = item.kind === 'finance-product' || item.kind === 'service-agency' ? 0 : fieldAffinity(need.technicalField, item.technicalField);
    if (affinity > 0) {
      const detail = affinity === 1 ? `同一技术领域 same field: ${fieldLabel(item.technicalField)}` : `相邻技术领域 neighbouring field: ${fieldLabel(item.technicalField)}`;
      reasons.push({ kind: 'field', detail, contribution: this.params.weights.field * affinity * gate });
    }
    for (const { kind, verdict } of verdicts) {
      if (verdict && 'factor' in verdict) reasons.push({ kind, detail: verdict.detail, contribution: this.params.weights[kind] * verdict.factor * gate });
    }
    const prior = feedbackReason(feedback, this.params);
    const before = reasons.reduce((s, r) => s + round4(r.contribution), 0);
    if (prior) reasons.push({ ...prior, contribution: Math.max(prior.contribution, -before) }); // a score never goes below 0
    for (const r of reasons) r.contribution = round4(r.contribution);
    return reasons;
  }

  /** The text evidence, term by term: each need term's best variant in this item, and the character overlap. */
  private termsReason(doc: number, text: number, words: number, overlap: number, groups: QueryGroup[], bound: number): MatchReason {
    const contribution = round4(this.params.weights.text * text);
    const parts: ReasonPart[] = [];
    const terms: string[] = [];
    const clashes: string[] = [];
    if (words > 0 && bound > 0) {
      const raw: { label: string; value: number; term: string }[] = [];
      for (const g of groups) {
        let top: { label: string; value: number; term: string } | undefined;
        for (const v of g.variants) {
          const hit = this.words.lookup(v.term, doc);
          if (!hit) continue;
          const value = g.weight * v.weight * hit.score;
          const where = hit.fields.map((f) => FIELD_LABELS[f]).join('/');
          const label = v.relation === 'self' ? `${v.term}(${where})` : `${g.term}≈${v.term}(${v.relation === 'synonym' ? '同义' : '上位'}, ${where})`;
          if (!top || value > top.value) top = { label, value, term: g.term };
        }
        if (!top) continue;
        if (this.senseClash(g, doc)) {
          clashes.push(`${g.term}: 需求中为${g.sense}，此处为${this.lexicon.senseOf(g.term, this.texts[doc])}`);
          continue;
        }
        raw.push(top);
      }
      const total = raw.reduce((s, r) => s + r.value, 0);
      // The word share is capped at 1 × bound; spread what it contributes over the terms in proportion.
      const wordContribution = this.params.weights.text * this.params.wordShare * words;
      raw.sort((a, b) => b.value - a.value);
      for (const r of raw) {
        // Search-mode segmentation matches 碳化, 化硅 and 碳化硅 together: name the longest word only.
        if (!terms.includes(r.term) && !raw.some((o) => o.term !== r.term && o.term.includes(r.term))) terms.push(r.term);
        parts.push({ label: r.label, contribution: total > 0 ? (wordContribution * r.value) / total : 0 });
      }
    }
    if (overlap > 0) parts.push({ label: '字面相似 character overlap', contribution: this.params.weights.text * (1 - this.params.wordShare) * Math.min(1, overlap) });
    // Parts are rounded; the last one absorbs the rounding so that they add up to the contribution shown.
    for (const p of parts) p.contribution = round4(p.contribution);
    if (parts.length) parts[parts.length - 1].contribution = round4(contribution - parts.slice(0, -1).reduce((s, p) => s + p.contribution, 0));
    const shown = parts.slice(0, 6).map((p) => `${p.label} +${p.contribution}`);
    const detail = `文本相关 text evidence: ${shown.join('; ')}${parts.length > 6 ? ' …' : ''}${clashes.length ? `; 词义不同不计 senses differ: ${clashes.join('; ')}` : ''}`;
    return { kind: 'terms', detail: detail.slice(0, 500), contribution, terms: terms.slice(0, 50).map((t) => t.slice(0, 40)), parts: parts.slice(0, 60) };
  }
}

/** Brokers' decisions on this item for needs like this one: accepted raise it a little, coded rejections lower it. */
function feedbackReason(feedback: ItemFeedback | undefined, params: ModelParams): MatchReason | undefined {
  if (!feedback) return undefined;
  const rejectedEntries = Object.entries(feedback.rejected) as [RejectionReason, number][];
  const rejected = rejectedEntries.reduce((s, [, c]) => s + c, 0);
  if (feedback.accepted + rejected === 0) return undefined;
  const against = rejectedEntries.reduce((s, [reason, c]) => s + REJECTION_WEIGHT[reason] * c, 0);
  const net = (feedback.accepted - against) / (feedback.accepted + rejected + 2); // smoothed: one decision moves it a little
  if (net === 0) return undefined;
  const said = rejectedEntries.filter(([, c]) => c > 0).map(([reason, c]) => `${REJECTION_REASONS[reason]}×${c}`);
  return {
    kind: 'feedback',
    detail: `同类需求的经纪人反馈 decisions on similar needs: 采纳×${feedback.accepted}${said.length ? `, 拒绝: ${said.join('、')}` : ''}`,
    contribution: net > 0 ? params.weights.feedback * net : params.feedbackPenalty * net,
  };
}
