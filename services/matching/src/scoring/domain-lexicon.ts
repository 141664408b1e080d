import lexiconData from './lexicon/domain-lexicon.json';
import { registerDomainTerms, tokenizeChinese } from './chinese-tokenizer';

/**
 * The domain dictionary (lexicon/domain-lexicon.json), kept as data and versioned with the model:
 * synonyms (集成电路 ⇄ 芯片), broader terms (三坐标 → 测量), symptoms (鼓包 → 腐蚀, 防护涂层: what an
 * enterprise suffers, to what answers it) and homographs (EMC: 电磁兼容 or 合同能源管理), each homograph
 * sense recognised by cue words around it.
 */
export interface Expansion {
  term: string;
  /** 0.9 for a synonym, 0.5 for a broader term */
  weight: number;
  relation: 'synonym' | 'broader';
}

interface HomographSense {
  label: string;
  cues: string[];
}

const SYNONYM_WEIGHT = 0.9;
const BROADER_WEIGHT = 0.5;

const normalise = (s: string) => s.normalize('NFKC').toLowerCase().trim();

export class DomainLexicon {
  readonly version: string;
  private readonly synonymGroups: string[][];
  private readonly groupsOf = new Map<string, number[]>();
  private readonly broader = new Map<string, string[]>();
  private readonly homographs = new Map<string, HomographSense[]>();

  constructor(data: {
    version: string;
    synonyms: string[][];
    broader: Record<string, string[]>;
    symptoms?: Record<string, string[]>;
    homographs: { term: string; senses: HomographSense[] }[];
  }) {
    this.version = data.version;
    this.synonymGroups = data.synonyms.map((g) => g.map(normalise));
    this.synonymGroups.forEach((group, i) => group.forEach((t) => this.groupsOf.set(t, [...(this.groupsOf.get(t) ?? []), i])));
    // A symptom leads to the capabilities that answer it the way a term leads to its broader terms.
    for (const [term, wider] of [...Object.entries(data.broader), ...Object.entries(data.symptoms ?? {})]) {
      this.broader.set(normalise(term), [...new Set([...(this.broader.get(normalise(term)) ?? []), ...wider.map(normalise)])]);
    }
    for (const h of data.homographs) this.homographs.set(normalise(h.term), h.senses.map((s) => ({ label: s.label, cues: s.cues.map(normalise) })));
  }

  /** Every word the dictionary knows, so the segmenter keeps them whole. */
  words(): string[] {
    const all = new Set<string>([...this.synonymGroups.flat(), ...this.broader.keys(), ...[...this.broader.values()].flat(), ...this.homographs.keys()]);
    return [...all];
  }

  /**
   * The sense of a homograph in a text: the sense with the most cue words present (a sense label
   * written out counts too). Undefined when no cue is present or two senses tie.
   */
  senseOf(term: string, text: string): string | undefined {
    const senses = this.homographs.get(term);
    if (!senses) return undefined;
    const t = normalise(text);
    const scores = senses.map((s) => s.cues.filter((c) => t.includes(c)).length + (t.includes(normalise(s.label)) ? 2 : 0));
    const best = Math.max(...scores);
    if (best === 0 || scores.filter((s) => s === best).length > 1) return undefined;
    return senses[scores.indexOf(best)].label;
  }

  /**
   * What a need term may also be written as in the catalogue. A homograph expands only within its
   * sense when the sense is known (EMC in an energy-saving need → 合同能源管理, never 电磁兼容).
   */
  expand(term: string, sense?: string): Expansion[] {
    const out = new Map<string, Expansion>();
    const add = (t: string, weight: number, relation: Expansion['relation']) => {
      if (t === term) return;
      const prev = out.get(t);
      if (!prev || prev.weight < weight) out.set(t, { term: t, weight, relation });
    };
    const senseLabel = sense ? normalise(sense) : undefined;
    for (const g of this.groupsOf.get(term) ?? []) {
      const group = this.synonymGroups[g];
      // A homograph's groups: only the one holding its sense, when the sense is known.
      if (this.homographs.has(term) && senseLabel && !group.some((w) => senseLabel.includes(w) || w.includes(senseLabel))) continue;
      for (const t of group) add(t, SYNONYM_WEIGHT, 'synonym');
    }
    for (const t of this.broader.get(term) ?? []) add(t, BROADER_WEIGHT, 'broader');
    return [...out.values()];
  }
}

/** The shipped dictionary's version (part of the model version). */
export const LEXICON_VERSION: string = lexiconData.version;

let shared: DomainLexicon | undefined;

/** The lexicon shipped with the model; its words are registered with the segmenter on first use. */
export function domainLexicon(): DomainLexicon {
  if (!shared) {
    shared = new DomainLexicon(lexiconData);
    registerDomainTerms(shared.words().filter((w) => /\p{Script=Han}/u.test(w)));
  }
  return shared;
}

let knownWords: Set<string> | undefined;

/**
 * Tokens of a text, with the lexicon's words known to the segmenter. Search mode emits only the 2- and
 * 3-character parts of a long word (集成电路设计 → 集成, 电路, 设计); the dictionary's words inside it
 * (集成电路) are added too, so a synonym or broader term always finds them.
 */
export function tokenize(text: string): string[] {
  const lexicon = domainLexicon();
  knownWords ??= new Set(lexicon.words());
  const tokens = tokenizeChinese(text);
  const extra: string[] = [];
  for (const token of tokens) {
    const chars = [...token];
    if (chars.length < 4) continue;
    for (let len = 2; len < chars.length; len++) {
      for (let at = 0; at + len <= chars.length; at++) {
        const part = chars.slice(at, at + len).join('');
        if (knownWords.has(part) && !tokens.includes(part)) extra.push(part);
      }
    }
  }
  return extra.length ? [...tokens, ...extra] : tokens;
}
