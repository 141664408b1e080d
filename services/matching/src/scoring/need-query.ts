import type { DomainLexicon } from './domain-lexicon';
import { tokenize } from './domain-lexicon';
import { CATEGORY_CUE_TERMS } from './kind-rules';
import type { ModelParams } from './model-params';
import type { NeedForMatching } from './scoring.types';

/**
 * What the model looks for in the catalogue for one need: the need's terms, weighted by where the broker
 * wrote them, each with the ways the catalogue may write it (the domain dictionary's synonyms and broader
 * terms), and the sense a homograph has in the need, so that an item using it in another sense is not
 * counted (EMC 电磁兼容 vs 合同能源管理).
 */

/** One need term with the ways the catalogue may write it (itself, synonyms, broader terms). */
export interface QueryGroup {
  term: string;
  weight: number;
  sense?: string;
  variants: { term: string; weight: number; relation: 'self' | 'synonym' | 'broader' }[];
}

/** The need's distinct terms, weighted by where they appear, with the dictionary's variants. */
export function queryGroups(need: NeedForMatching, needText: string, lexicon: DomainLexicon, q: ModelParams['queryWeight']): QueryGroup[] {
  const weights = new Map<string, number>();
  const add = (text: string, weight: number) => {
    for (const term of tokenize(text)) weights.set(term, Math.max(weight, weights.get(term) ?? 0));
  };
  add(need.title, q.title);
  add(need.description, q.description);
  for (const keyword of need.keywords ?? []) add(keyword, q.keywords);
  for (const cue of CATEGORY_CUE_TERMS[need.category]) if (!weights.has(cue)) weights.set(cue, q.category);
  const groups: QueryGroup[] = [];
  for (const [term, weight] of weights) {
    const sense = lexicon.senseOf(term, needText);
    const variants: QueryGroup['variants'] = [{ term, weight: 1, relation: 'self' }];
    for (const e of lexicon.expand(term, sense)) variants.push({ term: e.term, weight: e.weight, relation: e.relation });
    groups.push({ term, weight, sense, variants });
  }
  return groups;
}

/**
 * The sense each catalogue item gives a homograph, read from the item's text on first use and kept
 * (items never change in a model, so one reading per term and item is enough for every ranking).
 */
export class ItemSenses {
  private readonly senses = new Map<string, Map<number, string | undefined>>();

  /** `texts[doc]` is the text an item's senses are read from. */
  constructor(
    private readonly lexicon: DomainLexicon,
    private readonly texts: readonly string[],
  ) {}

  /** A homograph read in another sense by the item than by the need (EMC 电磁兼容 vs 合同能源管理). */
  clash(group: QueryGroup, doc: number): boolean {
    if (!group.sense) return false;
    const itemSense = this.of(group.term, doc);
    return itemSense !== undefined && itemSense !== group.sense;
  }

  /** An item's sense of a homograph, read once from its text and kept (items never change in a model). */
  of(term: string, doc: number): string | undefined {
    let senses = this.senses.get(term);
    if (!senses) this.senses.set(term, (senses = new Map()));
    if (!senses.has(doc)) senses.set(doc, this.lexicon.senseOf(term, this.texts[doc]));
    return senses.get(doc);
  }
}
