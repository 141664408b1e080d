import MiniSearch from 'minisearch';
import { TECHNICAL_FIELDS } from '@tt/contracts';
import { tokenizeChinese } from './chinese-tokenizer';
import type { MatchReason, NeedForMatching, RankedCandidate, RankOptions, SupplyItem } from './scoring.types';

/** Field boosts: curated keywords say most about an item, its name next, free-text summary least. */
const FIELD_WEIGHTS = { keywords: 3, name: 2, summary: 1 } as const;
type IndexedField = keyof typeof FIELD_WEIGHTS;
const INDEXED_FIELDS = Object.keys(FIELD_WEIGHTS) as IndexedField[];
const FIELD_LABELS: Record<IndexedField, string> = { keywords: '关键词/keywords', name: '名称/name', summary: '简介/summary' };

/** Final score = weighted sum of these components, each in 0..1; the weights sum to 1 so the score does too. */
export const SCORE_WEIGHTS = { text: 0.7, field: 0.15, region: 0.1, maturity: 0.05 } as const;

/** Title and explicit keywords state what the need is about; the description adds context. */
const QUERY_BOOST = { title: 2, keywords: 2, description: 1 } as const;

/** MiniSearch's defaults, pinned because the normalisation bound below is derived from them. */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 } as const;

/** Region proximity by shared 行政区划代码 prefix: district (6), city (4), province (2). */
const REGION_LEVELS = [
  { digits: 6, proximity: 1, label: '同区县 same district' },
  { digits: 4, proximity: 0.6, label: '同城市 same city' },
  { digits: 2, proximity: 0.3, label: '同省份 same province' },
] as const;

const DEFAULT_LIMIT = 20;

interface IndexedDoc {
  id: string;
  name: string;
  keywords: string;
  summary: string;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const splitTokens = (text: string): string[] => (text ? text.split(' ') : []);

/**
 * Ranks catalogue supply (institutions, experts, achievements) against an enterprise need.
 * Immutable once built: rebuild it when the catalogue changes.
 */
export class RelevanceModel {
  private readonly index: MiniSearch<IndexedDoc>;
  private readonly items = new Map<string, SupplyItem>();
  /** term → number of items containing it, per field (BM25 idf inputs, needed for the normalisation bound). */
  private readonly docFreq = new Map<string, Partial<Record<IndexedField, number>>>();

  constructor(catalogue: readonly SupplyItem[]) {
    // Documents are segmented here once (jieba is the expensive part) and handed to MiniSearch as
    // space-joined tokens, so MiniSearch's own tokenizer is a plain split and both sides agree exactly.
    this.index = new MiniSearch<IndexedDoc>({
      fields: [...INDEXED_FIELDS],
      tokenize: splitTokens,
      processTerm: (term) => term,
      searchOptions: { boost: { ...FIELD_WEIGHTS }, combineWith: 'OR', bm25: { ...BM25 }, tokenize: splitTokens, processTerm: (t) => t },
    });
    const docs: IndexedDoc[] = [];
    for (const item of catalogue) {
      if (this.items.has(item.id)) throw new Error(`duplicate supply id ${item.id}`);
      this.items.set(item.id, item);
      const doc: IndexedDoc = {
        id: item.id,
        name: tokenizeChinese(item.name).join(' '),
        keywords: item.keywords.flatMap((k) => tokenizeChinese(k)).join(' '),
        summary: tokenizeChinese(item.summary).join(' '),
      };
      for (const field of INDEXED_FIELDS) {
        for (const term of new Set(splitTokens(doc[field]))) {
          const df = this.docFreq.get(term) ?? {};
          df[field] = (df[field] ?? 0) + 1;
          this.docFreq.set(term, df);
        }
      }
      docs.push(doc);
    }
    this.index.addAll(docs);
  }

  /** Whether the model holds this item at this catalogue revision or a later one. */
  has(supplyId: string, revision = 0): boolean {
    const item = this.items.get(supplyId);
    return item !== undefined && (item.revision ?? 0) >= revision;
  }

  get size(): number {
    return this.items.size;
  }

  rank(need: NeedForMatching, options: RankOptions = {}): RankedCandidate[] {
    const { limit = DEFAULT_LIMIT, minScore = 0 } = options;
    const boosts = this.queryTerms(need);
    if (boosts.size === 0) return [];
    const bound = this.scoreBound(boosts);
    if (bound === 0) return []; // no need term occurs anywhere in the catalogue

    const results = this.index.search([...boosts.keys()].join(' '), { boostTerm: (term) => boosts.get(term) ?? 1 });
    const ranked: RankedCandidate[] = [];
    for (const result of results) {
      const item = this.items.get(String(result.id));
      if (!item) continue;
      // MiniSearch multiplies the BM25 sum by the number of matched query terms; undo that so the
      // score stays within the bound below (coverage is already rewarded by the sum itself).
      const bm25 = result.score / Math.max(1, result.queryTerms.length);
      const relevance = Math.min(1, bm25 / bound);
      if (relevance <= 0) continue;
      const reasons = [this.termsReason(relevance, result.match, boosts), ...contextReasons(need, item)];
      const score = round4(reasons.reduce((sum, r) => sum + r.contribution, 0));
      if (score < minScore) continue;
      for (const reason of reasons) reason.contribution = round4(reason.contribution);
      ranked.push({ supplyId: item.id, kind: item.kind, name: item.name, score, reasons });
    }
    ranked.sort((a, b) => b.score - a.score || (a.supplyId < b.supplyId ? -1 : a.supplyId > b.supplyId ? 1 : 0));
    return ranked.slice(0, limit);
  }

  /** Distinct need terms with their boost (the highest of the parts they appear in). */
  private queryTerms(need: NeedForMatching): Map<string, number> {
    const boosts = new Map<string, number>();
    const add = (text: string, boost: number) => {
      for (const term of tokenizeChinese(text)) boosts.set(term, Math.max(boost, boosts.get(term) ?? 0));
    };
    add(need.title, QUERY_BOOST.title);
    add(need.description, QUERY_BOOST.description);
    for (const keyword of need.keywords ?? []) add(keyword, QUERY_BOOST.keywords);
    return boosts;
  }

  /** BM25 idf of a term within one field, exactly as MiniSearch computes it. */
  private idf(term: string, field: IndexedField): number {
    const df = this.docFreq.get(term)?.[field] ?? 0;
    if (df === 0) return 0;
    const n = this.items.size;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * Text relevance is BM25 divided by the score of a reference item that mentions every need term
   * once in each field where the catalogue uses it, at average field length (per term and field:
   * boost·fieldWeight·idf·(d + 1)). So 1 means "covers everything the catalogue could match, as well
   * as a typical entry can"; a few shared generic terms stay small, and the value is comparable across
   * needs (unlike dividing by the query's best hit, which always yields 1 for the top item). Only
   * repeated terms or short fields can exceed the reference; those are capped at 1.
   */
  private scoreBound(boosts: Map<string, number>): number {
    let bound = 0;
    for (const [term, boost] of boosts) {
      for (const field of INDEXED_FIELDS) bound += boost * FIELD_WEIGHTS[field] * this.idf(term, field) * (BM25.d + 1);
    }
    return bound;
  }

  private termsReason(relevance: number, match: Record<string, string[]>, boosts: Map<string, number>): MatchReason {
    const weight = (term: string) =>
      (boosts.get(term) ?? 1) * match[term].reduce((s, f) => s + FIELD_WEIGHTS[f as IndexedField] * this.idf(term, f as IndexedField), 0);
    const matched = Object.keys(match);
    // Search-mode segmentation matches 碳化, 化硅 and 碳化硅 together; show only the longest word.
    const shown = matched
      .filter((t) => !matched.some((o) => o !== t && o.includes(t)))
      .sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1));
    const listed = shown.map((t) => `${t}(${[...new Set(match[t])].map((f) => FIELD_LABELS[f as IndexedField]).join(', ')})`);
    return {
      kind: 'terms',
      detail: `共同术语 shared terms: ${listed.join('; ')}`,
      contribution: SCORE_WEIGHTS.text * relevance,
      terms: shown,
    };
  }
}

/** Field, region and maturity reasons; field/region only when they contribute. */
function contextReasons(need: NeedForMatching, item: SupplyItem): MatchReason[] {
  const reasons: MatchReason[] = [];
  if (need.technicalField === item.technicalField) {
    reasons.push({
      kind: 'field',
      detail: `同一技术领域 same technical field: ${TECHNICAL_FIELDS[item.technicalField]}`,
      contribution: SCORE_WEIGHTS.field,
    });
  }
  const level = REGION_LEVELS.find((l) => need.regionCode.slice(0, l.digits) === item.regionCode.slice(0, l.digits));
  if (level) {
    reasons.push({
      kind: 'region',
      detail: `${level.label} (${item.regionCode})`,
      contribution: SCORE_WEIGHTS.region * level.proximity,
    });
  }
  if (item.trl !== undefined) {
    reasons.push({
      kind: 'maturity',
      detail: `技术就绪度 TRL ${item.trl}/9`,
      contribution: (SCORE_WEIGHTS.maturity * item.trl) / 9,
    });
  }
  return reasons;
}
