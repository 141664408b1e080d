import { domainLexicon, tokenize, type DomainLexicon } from './domain-lexicon';
import { BigramIndex, FIELD_WEIGHTS, saturate, WordIndex, type FieldTokens } from './text-index';
import { kindFit } from './kind-rules';
import { MODEL_PARAMS, type ModelParams } from './model-params';
import { ItemSenses, queryGroups } from './need-query';
import { MatchReasons, round4, type Candidate } from './match-reasons';
import type { NeedForMatching, RankedCandidate, RankOptions, SupplyItem } from './scoring.types';

// The tunables and the version live in model-params.ts; importers have always found them here.
export { MODEL_PARAMS, MODEL_VERSION, SCORE_WEIGHTS, type ModelParams } from './model-params';

const DEFAULT_LIMIT = 20;
/** Score bounds are bucketed over 0..BUCKET_RANGE (a bound can exceed 1: it assumes every factor in full). */
const BUCKETS = 256;
const BUCKET_RANGE = 1.25;
/** A word in more items than this, and than this share of them, only adds to items found otherwise. */
const COMMON_TERM_POSTINGS = 5000;
const COMMON_TERM_SHARE = 0.05;
/** Rounding each contribution to 4 decimals may lift a score by a hair over its bound. */
const BOUND_SLACK = 1e-3;

/** Where `value` goes in an ascending array. */
function sortedIndex(sorted: readonly number[], value: number): number {
  let at = 0;
  while (at < sorted.length && sorted[at] < value) at++;
  return at;
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
  private readonly params: ModelParams;
  private readonly senses: ItemSenses;
  private readonly reasons: MatchReasons;
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
    this.senses = new ItemSenses(this.lexicon, this.items.map(itemText));
    this.bigrams = new BigramIndex(this.items.map((i) => `${i.name} ${i.keywords.join(' ')} ${i.summary}`));
    const n = this.items.length;
    this.scratch = { wordScore: new Float32Array(n), best: new Float32Array(n), overlap: new Float32Array(n) };
    this.reasons = new MatchReasons(this.items, this.words, this.senses, this.params);
  }

  get size(): number {
    return this.items.length;
  }

  rank(need: NeedForMatching, options: RankOptions = {}): RankedCandidate[] {
    const { limit = DEFAULT_LIMIT, minScore = 0, feedback } = options;
    const needText = `${need.title} ${need.keywords?.join(' ') ?? ''} ${need.description}`;
    const groups = queryGroups(need, needText, this.lexicon, this.params.queryWeight);
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
        wordScore[doc] += this.senses.clash(group, doc) ? 0 : best[doc];
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
          if (value > 0 && !this.senses.clash(group, doc)) {
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
        const reasons = this.reasons.reasonsFor(need, candidate, groups, bound, feedback, false);
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
        const reasons = this.reasons.reasonsFor(need, candidate, groups, bound, feedback, true)!;
        return { supplyId: item.id, kind: item.kind, name: item.name, score, reasons };
      });
  }
}
