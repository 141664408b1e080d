import { REJECTION_REASONS, type RejectionReason } from '@tt/contracts';
import { fieldAffinity, fieldLabel } from '@tt/contracts';
import { domainLexicon, LEXICON_VERSION, tokenize, type DomainLexicon } from './domain-lexicon';
import { BigramIndex, FIELD_WEIGHTS, saturate, WordIndex, type FieldTokens, type TextField } from './text-index';
import { CATEGORY_CUE_TERMS, kindFit, type KindFit } from './kind-rules';
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

/**
 * Bumped with every change to the scoring; it names the dictionary's version too, so every proposal
 * says which model and which words ranked it (acceptance rates compare between versions).
 */
export const MODEL_VERSION = `kind-constraints-bm25f-bigram-3/${LEXICON_VERSION}`;

const DEFAULT_LIMIT = 20;
/** Score bounds are bucketed over 0..BUCKET_RANGE (a bound can exceed 1: it assumes every factor in full). */
const BUCKETS = 256;
const BUCKET_RANGE = 1.25;
/** Pseudo-decisions that keep a single decision from moving an item far. */
const FEEDBACK_SMOOTHING = 2;
/** A word in more items than this, and than this share of them, only adds to items found otherwise. */
const COMMON_TERM_POSTINGS = 5000;
const COMMON_TERM_SHARE = 0.05;
/** Rounding each contribution to 4 decimals may lift a score by a hair over its bound. */
const BOUND_SLACK = 1e-3;

/** An item with evidence for the need, its kind fit and text relevance (the cheap pass). */
interface Candidate {
  doc: number;
  fit: KindFit;
  text: number;
  /** the word evidence (BM25F over the bound) and the character overlap the text is made of */
  words: number;
  overlap: number;
}
const FIELD_LABELS: Record<TextField, string> = { keywords: '关键词', name: '名称', summary: '简介' };

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Where `value` goes in an ascending array. */
function sortedIndex(sorted: readonly number[], value: number): number {
  let at = 0;
  while (at < sorted.length && sorted[at] < value) at++;
  return at;
}

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
  private readonly ids = new Set<string>();
  private readonly words: WordIndex;
  private readonly bigrams: BigramIndex;
  private readonly lexicon: DomainLexicon;
  private readonly texts: string[];
  private readonly params: ModelParams;
  private readonly senses = new Map<string, Map<number, string | undefined>>();
  /** Per-item accumulators, reused by every ranking (rank is synchronous) and left zeroed after each. */
  private readonly scratch: { wordScore: Float32Array; best: Float32Array; overlap: Float32Array };

  constructor(catalogue: readonly SupplyItem[], options: { lexicon?: DomainLexicon; params?: Partial<ModelParams> } = {}) {
    this.lexicon = options.lexicon ?? domainLexicon();
    this.params = { ...MODEL_PARAMS, ...options.params };
    const docs: FieldTokens[] = [];
    for (const item of catalogue) {
      if (this.ids.has(item.id)) throw new Error(`duplicate supply id ${item.id}`);
      this.ids.add(item.id);
      this.items.push(item);
      docs.push({ keywords: item.keywords.flatMap((k) => tokenize(k)), name: tokenize(item.name), summary: tokenize(item.summary) });
    }
    this.words = new WordIndex(docs);
    this.texts = this.items.map(itemText);
    this.bigrams = new BigramIndex(this.items.map((i) => `${i.name} ${i.keywords.join(' ')} ${i.summary}`));
    const n = this.items.length;
    this.scratch = { wordScore: new Float32Array(n), best: new Float32Array(n), overlap: new Float32Array(n) };
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
    const { wordScore, best, overlap } = this.scratch; // zeroed again before returning
    const touched: number[] = [];
    // Words held by very many items (服务, 平台… in a large catalogue) are looked up only in the items
    // the other words and the character overlap found: alone they say nothing, and walking their
    // postings would cost most of the time.
    const common = (term: string) => this.words.documentFrequency(term) > Math.max(COMMON_TERM_POSTINGS, COMMON_TERM_SHARE * n);
    const rare = groups.filter((g) => !g.variants.some((v) => common(v.term)));
    const frequent = groups.filter((g) => g.variants.some((v) => common(v.term)));
    for (const group of rare) {
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
    const overlapping: number[] = [];
    this.bigrams.cosine(needText, overlap, overlapping);
    if (frequent.length) {
      const found = new Set<number>([...touched, ...overlapping]);
      for (const doc of found) {
        for (const group of frequent) {
          let value = 0;
          for (const v of group.variants) value = Math.max(value, group.weight * v.weight * (this.words.lookup(v.term, doc)?.score ?? 0));
          if (value > 0 && !this.senseClash(group, doc)) {
            if (wordScore[doc] === 0) touched.push(doc);
            wordScore[doc] += value;
          }
        }
      }
    }

    // A cheap pass over every item with any evidence: the kind rule, the text, and a bound on the
    // score (text decides how much the rest can add). Bucketed by that bound, so that only the items
    // whose bound can still beat the proposals found so far are scored in full: exact, and fast on a
    // large catalogue where most items share a generic word or two with the need.
    const { weights, wordShare, textGate } = this.params;
    const contextMax = weights.field + weights.region + weights.maturity + weights.budget + weights.eligibility + weights.cooperation;
    const buckets: Candidate[][] = Array.from({ length: BUCKETS }, () => []);
    const visit = (doc: number) => {
      const words = bound > 0 ? Math.min(1, wordScore[doc] / bound) : 0;
      if (words === 0 && overlap[doc] < 0.1) return; // no word in common, and barely a character: nothing to say
      const fit = kindFit(need.category, need.supplyKinds, this.items[doc]);
      if (!fit) return;
      const text = wordShare * words + (1 - wordShare) * Math.min(1, overlap[doc]);
      const kind = weights.kind * (fit.fit === 'primary' ? 1 : this.params.secondaryKind);
      const upper = kind + weights.text * text + Math.min(1, text / textGate) * contextMax + (feedback?.has(this.items[doc].id) ? weights.feedback : 0) + BOUND_SLACK;
      if (upper < minScore) return;
      buckets[Math.min(BUCKETS - 1, Math.floor((upper / BUCKET_RANGE) * BUCKETS))].push({ doc, fit, text, words, overlap: overlap[doc] });
    };
    const visited = new Set<number>(); // an item can be reached by several terms and by the overlap: visit it once
    for (const doc of [...touched, ...overlapping]) {
      if (visited.has(doc)) continue;
      visited.add(doc);
      visit(doc);
    }
    // The accumulators are zeroed for the next ranking; what the candidates need of them they carry.
    for (const doc of touched) wordScore[doc] = 0;
    for (const doc of overlapping) overlap[doc] = 0;

    const found: { candidate: Candidate; score: number }[] = [];
    const top: number[] = []; // the best `limit` scores so far, ascending: top[0] is the one to beat
    for (let b = BUCKETS - 1; b >= 0; b--) {
      if (top.length >= limit && top[0] >= (b + 1) * (BUCKET_RANGE / BUCKETS)) break; // nothing below can beat it
      for (const candidate of buckets[b]) {
        const reasons = this.reasonsFor(need, candidate, groups, bound, feedback, false);
        if (!reasons) continue; // a hard constraint excludes it
        const score = round4(reasons.reduce((s, r) => s + r.contribution, 0));
        if (score < minScore || score <= 0) continue;
        found.push({ candidate, score });
        if (top.length < limit || score > top[0]) {
          if (top.length >= limit) top.shift();
          top.splice(sortedIndex(top, score), 0, score);
        }
      }
    }
    const order = (a: { candidate: Candidate; score: number }, b: { candidate: Candidate; score: number }) => {
      const ia = this.items[a.candidate.doc].id;
      const ib = this.items[b.candidate.doc].id;
      return b.score - a.score || (ia < ib ? -1 : ia > ib ? 1 : 0);
    };
    return found
      .sort(order)
      .slice(0, limit)
      .map(({ candidate, score }) => {
        const item = this.items[candidate.doc];
        const reasons = this.reasonsFor(need, candidate, groups, bound, feedback, true)!;
        return { supplyId: item.id, kind: item.kind, name: item.name, score, reasons };
      });
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
    const itemSense = this.itemSense(group.term, doc);
    return itemSense !== undefined && itemSense !== group.sense;
  }

  /** An item's sense of a homograph, read once from its text and kept (items never change in a model). */
  private itemSense(term: string, doc: number): string | undefined {
    let senses = this.senses.get(term);
    if (!senses) this.senses.set(term, (senses = new Map()));
    if (!senses.has(doc)) senses.set(doc, this.lexicon.senseOf(term, this.texts[doc]));
    return senses.get(doc);
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

  /**
   * The score's parts, factor by factor; undefined when a hard constraint excludes the item. With
   * `termByTerm`, the text evidence is broken down term by term (for the proposals shown).
   */
  private reasonsFor(
    need: NeedForMatching,
    { doc, fit, text, words, overlap }: Candidate,
    groups: QueryGroup[],
    bound: number,
    feedback: ReadonlyMap<string, ItemFeedback> | undefined,
    termByTerm: boolean,
  ): MatchReason[] | undefined {
    const item = this.items[doc];
    const verdicts = this.constraintVerdicts(need, item);
    if (verdicts.some((v) => v.verdict && 'excluded' in v.verdict)) return undefined;
    const { weights } = this.params;
    const reasons: MatchReason[] = [
      { kind: 'kind', detail: termByTerm ? fit.describe() : '', contribution: weights.kind * (fit.fit === 'primary' ? 1 : this.params.secondaryKind) },
      termByTerm ? this.termsReason(doc, text, words, overlap, groups, bound) : { kind: 'terms', detail: '', contribution: weights.text * text },
    ];
    const gate = Math.min(1, text / this.params.textGate);
    const affinity = item.kind === 'finance-product' || item.kind === 'service-agency' ? 0 : fieldAffinity(need.technicalField, item.technicalField);
    if (affinity > 0) {
      const detail = affinity === 1 ? `同一技术领域 same field: ${fieldLabel(item.technicalField)}` : `相邻技术领域 neighbouring field: ${fieldLabel(item.technicalField)}`;
      reasons.push({ kind: 'field', detail, contribution: weights.field * affinity * gate });
    }
    for (const { kind, verdict } of verdicts) {
      if (verdict && 'factor' in verdict) reasons.push({ kind, detail: verdict.detail, contribution: weights[kind] * verdict.factor * gate });
    }
    const decisions = feedback?.get(item.id);
    const prior = decisions?.length ? feedbackReason(decisions, termNames(this.textMatches(doc, groups).matches), this.params) : undefined;
    const before = reasons.reduce((s, r) => s + round4(r.contribution), 0);
    if (prior) reasons.push({ ...prior, contribution: Math.max(prior.contribution, -before) }); // a score never goes below 0
    for (const r of reasons) r.contribution = round4(r.contribution);
    return reasons;
  }

  /** Each need term's best variant found in this item (a homograph read in another sense aside). */
  private textMatches(doc: number, groups: QueryGroup[]): { matches: { label: string; value: number; term: string }[]; clashes: string[] } {
    const matches: { label: string; value: number; term: string }[] = [];
    const clashes: string[] = [];
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
      if (this.senseClash(g, doc)) clashes.push(`${g.term}: 需求中为${g.sense}，此处为${this.itemSense(g.term, doc)}`);
      else matches.push(top);
    }
    matches.sort((a, b) => b.value - a.value);
    return { matches, clashes };
  }

  /** The text evidence, term by term: each need term's best variant in this item, and the character overlap. */
  private termsReason(doc: number, text: number, words: number, overlap: number, groups: QueryGroup[], bound: number): MatchReason {
    const contribution = round4(this.params.weights.text * text);
    const parts: ReasonPart[] = [];
    const { matches, clashes } = words > 0 && bound > 0 ? this.textMatches(doc, groups) : { matches: [], clashes: [] };
    const total = matches.reduce((s, r) => s + r.value, 0);
    // The word share is capped at 1 × bound; spread what it contributes over the terms in proportion.
    const wordContribution = this.params.weights.text * this.params.wordShare * words;
    for (const r of matches) parts.push({ label: r.label, contribution: total > 0 ? (wordContribution * r.value) / total : 0 });
    if (overlap > 0) parts.push({ label: '字面相似 character overlap', contribution: this.params.weights.text * (1 - this.params.wordShare) * Math.min(1, overlap) });
    // Parts are rounded; the last one absorbs the rounding so that they add up to the contribution shown.
    for (const p of parts) p.contribution = round4(p.contribution);
    if (parts.length) parts[parts.length - 1].contribution = round4(contribution - parts.slice(0, -1).reduce((s, p) => s + p.contribution, 0));
    const shown = parts.slice(0, 6).map((p) => `${p.label} +${p.contribution}`);
    const detail = `文本相关 text evidence: ${shown.join('; ')}${parts.length > 6 ? ' …' : ''}${clashes.length ? `; 词义不同不计 senses differ: ${clashes.join('; ')}` : ''}`;
    const terms = termNames(matches);
    return { kind: 'terms', detail: detail.slice(0, 500), contribution, terms: terms.slice(0, 50).map((t) => t.slice(0, 40)), parts: parts.slice(0, 60) };
  }
}

/** The need terms matched, naming only the longest word (search mode matches 碳化, 化硅 and 碳化硅 together). */
function termNames(matches: readonly { term: string }[]): string[] {
  const names: string[] = [];
  for (const r of matches) if (!names.includes(r.term) && !matches.some((o) => o.term !== r.term && o.term.includes(r.term))) names.push(r.term);
  return names;
}

/**
 * Brokers' decisions on this item for needs of the same category and field, each weighed by how much
 * that need asked the same of the item as this one (the overlap of the terms matched, Jaccard): a lab
 * rejected for a battery-recycling need says little about a battery-safety need. Accepted decisions
 * raise the item a little, coded rejections lower it, by what each reason says about the item.
 */
function feedbackReason(decisions: ItemFeedback | undefined, terms: readonly string[], params: ModelParams): MatchReason | undefined {
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
