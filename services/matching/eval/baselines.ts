import { BigramIndex, WordIndex, type FieldTokens } from '../src/scoring/text-index';
import { tokenize } from '../src/scoring/domain-lexicon';
import type { NeedForMatching, SupplyItem } from '../src/scoring/scoring.types';

/** A ranker the evaluation compares: the need in, supply ids best first. */
export interface Ranker {
  name: string;
  rank(need: NeedForMatching, limit: number): string[];
}

const needText = (n: NeedForMatching) => `${n.title} ${n.keywords?.join(' ') ?? ''} ${n.description}`;
const itemText = (i: SupplyItem) => `${i.name} ${i.keywords.join(' ')} ${i.summary}`;

function topK(scores: Float32Array, touched: readonly number[], items: readonly SupplyItem[], limit: number): string[] {
  return [...new Set(touched)]
    .filter((d) => scores[d] > 0)
    .sort((a, b) => scores[b] - scores[a] || (items[a].id < items[b].id ? -1 : 1))
    .slice(0, limit)
    .map((d) => items[d].id);
}

/** Character-bigram TF-IDF cosine over the whole item text, nothing else (no bigram skipped). */
export function bigramBaseline(items: readonly SupplyItem[]): Ranker {
  const index = new BigramIndex(items.map(itemText), 1, Infinity);
  return {
    name: 'character-bigram TF-IDF cosine',
    rank(need, limit) {
      const scores = new Float32Array(items.length);
      const touched: number[] = [];
      index.cosine(needText(need), scores, touched);
      return topK(scores, touched, items, limit);
    },
  };
}

/** BM25 over the same segmentation (jieba search mode), each need word once, nothing else. */
export function bm25Baseline(items: readonly SupplyItem[]): Ranker {
  // One field holding the whole text, so field boosts (part of the project's model) play no part.
  const docs: FieldTokens[] = items.map((i) => ({ keywords: [], name: [], summary: tokenize(itemText(i)) }));
  const index = new WordIndex(docs);
  return {
    name: 'jieba + BM25',
    rank(need, limit) {
      const scores = new Float32Array(items.length);
      const touched: number[] = [];
      for (const term of new Set(tokenize(needText(need)))) {
        index.forEachPosting(term, (doc, score) => {
          if (scores[doc] === 0) touched.push(doc);
          scores[doc] += score;
        });
      }
      return topK(scores, touched, items, limit);
    },
  };
}
