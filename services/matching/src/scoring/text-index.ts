/**
 * Inverted indexes over the catalogue's text, built once per catalogue state, scored in typed arrays so
 * that one need against 100,000 items stays within milliseconds:
 * - a BM25F index over segmented words (keywords ×3, name ×2, summary ×1, length-normalised per field);
 * - a character-bigram TF-IDF index (cosine), which catches what segmentation splits differently.
 */

export const FIELD_WEIGHTS = { keywords: 3, name: 2, summary: 1 } as const;
export type TextField = keyof typeof FIELD_WEIGHTS;
export const TEXT_FIELDS = Object.keys(FIELD_WEIGHTS) as TextField[];
const FIELD_BIT: Record<TextField, number> = { keywords: 1, name: 2, summary: 4 };

const BM25 = { k1: 1.2, b: 0.75 } as const;

/** A document's words per field (already segmented). */
export type FieldTokens = Record<TextField, string[]>;

interface Postings {
  docs: Int32Array;
  /** field-weighted, length-normalised term frequency (BM25F's pseudo term frequency) */
  tf: Float32Array;
  /** which fields hold the term (FIELD_BIT) */
  fields: Uint8Array;
}

/** BM25's saturation of a pseudo term frequency, times (k1 + 1) so that one full mention is ~1. */
export const saturate = (tf: number): number => (tf * (BM25.k1 + 1)) / (tf + BM25.k1);

export class WordIndex {
  readonly size: number;
  private readonly postings = new Map<string, Postings>();

  constructor(docs: readonly FieldTokens[]) {
    this.size = docs.length;
    const avg: Record<TextField, number> = { keywords: 0, name: 0, summary: 0 };
    for (const d of docs) for (const f of TEXT_FIELDS) avg[f] += d[f].length;
    for (const f of TEXT_FIELDS) avg[f] = Math.max(1, avg[f] / Math.max(1, docs.length));
    const building = new Map<string, { docs: number[]; tf: number[]; fields: number[] }>();
    docs.forEach((doc, i) => {
      const perTerm = new Map<string, { tf: number; fields: number }>();
      for (const f of TEXT_FIELDS) {
        const norm = 1 - BM25.b + (BM25.b * doc[f].length) / avg[f];
        for (const term of doc[f]) {
          const e = perTerm.get(term) ?? { tf: 0, fields: 0 };
          e.tf += FIELD_WEIGHTS[f] / norm;
          e.fields |= FIELD_BIT[f];
          perTerm.set(term, e);
        }
      }
      for (const [term, e] of perTerm) {
        let p = building.get(term);
        if (!p) building.set(term, (p = { docs: [], tf: [], fields: [] }));
        p.docs.push(i);
        p.tf.push(e.tf);
        p.fields.push(e.fields);
      }
    });
    for (const [term, p] of building) {
      this.postings.set(term, { docs: Int32Array.from(p.docs), tf: Float32Array.from(p.tf), fields: Uint8Array.from(p.fields) });
    }
  }

  /** BM25 idf: ln(1 + (N − df + 0.5) / (df + 0.5)); 0 for a term no document has. */
  idf(term: string): number {
    const df = this.postings.get(term)?.docs.length ?? 0;
    return df === 0 ? 0 : Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** How many documents hold the term. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.docs.length ?? 0;
  }

  /** Calls back for each document holding the term, with its BM25F term score (idf × saturation). */
  forEachPosting(term: string, visit: (doc: number, score: number) => void): void {
    const p = this.postings.get(term);
    if (!p) return;
    const idf = this.idf(term);
    for (let i = 0; i < p.docs.length; i++) visit(p.docs[i], idf * saturate(p.tf[i]));
  }

  /** The term's score in one document and the fields holding it (binary search: postings are in doc order). */
  lookup(term: string, doc: number): { score: number; fields: TextField[] } | undefined {
    const p = this.postings.get(term);
    if (!p) return undefined;
    let lo = 0;
    let hi = p.docs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (p.docs[mid] === doc) {
        return { score: this.idf(term) * saturate(p.tf[mid]), fields: TEXT_FIELDS.filter((f) => p.fields[mid] & FIELD_BIT[f]) };
      }
      if (p.docs[mid] < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** A bigram held by more items than this (and by more than 2 % of them) is skipped when scoring. */
const MAX_BIGRAM_POSTINGS = 5000;

/** Character bigrams of a text (CJK runs as bigrams, ASCII words whole), with counts. */
export function characterBigrams(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (g: string) => counts.set(g, (counts.get(g) ?? 0) + 1);
  const normalised = text.normalize('NFKC').toLowerCase();
  for (const run of normalised.match(/[\p{Script=Han}]+|[a-z0-9]+/gu) ?? []) {
    if (/^[a-z0-9]+$/.test(run)) {
      if (/[a-z]/.test(run)) add(run);
      continue;
    }
    const chars = [...run];
    if (chars.length === 1) continue;
    for (let i = 0; i + 1 < chars.length; i++) add(chars[i] + chars[i + 1]);
  }
  return counts;
}

/**
 * TF-IDF over character bigrams, (1 + ln tf)·idf, documents L2-normalised; cosine against a query.
 * Bigrams in more than `maxDocShare` of the documents (技术, 开发…) carry no signal and are skipped.
 */
export class BigramIndex {
  readonly size: number;
  private readonly postings = new Map<string, { docs: Int32Array; weights: Float32Array }>();
  private readonly idfOf = new Map<string, number>();

  constructor(
    texts: readonly string[],
    /** Bigrams in more than this share of the items are skipped (1: none) */
    private readonly maxDocShare = 0.3,
    /** … and those in more than this many items, when that is also over 2 % of them (Infinity: none) */
    private readonly maxPostings = MAX_BIGRAM_POSTINGS,
  ) {
    this.size = texts.length;
    const bags = texts.map(characterBigrams);
    const df = new Map<string, number>();
    for (const bag of bags) for (const g of bag.keys()) df.set(g, (df.get(g) ?? 0) + 1);
    for (const [g, n] of df) this.idfOf.set(g, Math.log((1 + this.size) / (1 + n)) + 1);
    const building = new Map<string, { docs: number[]; weights: number[] }>();
    bags.forEach((bag, i) => {
      let norm = 0;
      const weights = new Map<string, number>();
      for (const [g, tf] of bag) {
        const w = (1 + Math.log(tf)) * this.idfOf.get(g)!;
        weights.set(g, w);
        norm += w * w;
      }
      norm = Math.sqrt(norm) || 1;
      for (const [g, w] of weights) {
        let p = building.get(g);
        if (!p) building.set(g, (p = { docs: [], weights: [] }));
        p.docs.push(i);
        p.weights.push(w / norm);
      }
    });
    for (const [g, p] of building) this.postings.set(g, { docs: Int32Array.from(p.docs), weights: Float32Array.from(p.weights) });
  }

  /** Cosine similarity of the query text to every document sharing a bigram with it, into `out` (zeroed by the caller). */
  cosine(query: string, out: Float32Array, touched: number[]): void {
    const bag = characterBigrams(query);
    const q = new Map<string, number>();
    let norm = 0;
    for (const [g, tf] of bag) {
      const idf = this.idfOf.get(g);
      if (idf === undefined) continue; // unseen bigram: contributes to the query norm only
      const w = (1 + Math.log(tf)) * idf;
      q.set(g, w);
      norm += w * w;
    }
    for (const [g, tf] of bag) if (!this.idfOf.has(g)) norm += (1 + Math.log(tf)) ** 2 * (Math.log(1 + this.size) + 1) ** 2;
    norm = Math.sqrt(norm) || 1;
    // Bigrams in very many items (技术, 服务…) say little and cost most: skipped past a share or a count.
    const limit = Math.min(this.maxDocShare * this.size, Math.max(this.maxPostings, 0.02 * this.size));
    for (const [g, w] of q) {
      const p = this.postings.get(g)!;
      if (p.docs.length > limit && this.size > 20) continue;
      const qw = w / norm;
      for (let i = 0; i < p.docs.length; i++) {
        const d = p.docs[i];
        if (out[d] === 0) touched.push(d);
        out[d] += qw * p.weights[i];
      }
    }
  }
}
