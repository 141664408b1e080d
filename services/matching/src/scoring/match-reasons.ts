import { fieldAffinity, fieldLabel } from '@tt/contracts';
import { feedbackReason } from './broker-feedback';
import { budgetVerdict, cooperationVerdict, eligibilityVerdict, maturityVerdict, regionVerdict, serviceAreaVerdict } from './constraints';
import type { KindFit } from './kind-rules';
import type { ModelParams } from './model-params';
import type { ItemSenses, QueryGroup } from './need-query';
import type { WordIndex, TextField } from './text-index';
import type { ItemFeedback, MatchReason, NeedForMatching, ReasonPart, SupplyItem } from './scoring.types';

/**
 * A candidate's score as its parts, factor by factor (kind, terms, field, the constraints, feedback):
 * the score is their sum, so what a broker reads is exactly what ranked the item. The model computes
 * them twice: cheaply (no wording) for every candidate that may make the list, then term by term for
 * the proposals shown.
 */

/** An item with evidence for the need, its kind fit and text relevance (the cheap pass). */
export interface Candidate {
  doc: number;
  fit: KindFit;
  text: number;
  /** the word evidence (BM25F over the bound) and the character overlap the text is made of */
  words: number;
  overlap: number;
}

const FIELD_LABELS: Record<TextField, string> = { keywords: '关键词', name: '名称', summary: '简介' };

export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Builds the reasons for the items of one model (`items[doc]`, indexed by `words`). */
export class MatchReasons {
  constructor(
    private readonly items: readonly SupplyItem[],
    private readonly words: WordIndex,
    private readonly senses: ItemSenses,
    private readonly params: ModelParams,
  ) {}

  /**
   * The score's parts, factor by factor; undefined when a hard constraint excludes the item. With
   * `termByTerm`, the text evidence is broken down term by term (for the proposals shown).
   */
  reasonsFor(
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

  private constraintVerdicts(need: NeedForMatching, item: SupplyItem) {
    return [
      { kind: 'region' as const, verdict: serviceAreaVerdict(need, item) ?? regionVerdict(need, item) },
      { kind: 'maturity' as const, verdict: maturityVerdict(need, item) },
      { kind: 'budget' as const, verdict: budgetVerdict(need, item) },
      { kind: 'eligibility' as const, verdict: eligibilityVerdict(need, item) },
      { kind: 'cooperation' as const, verdict: cooperationVerdict(need, item) },
    ];
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
      if (this.senses.clash(g, doc)) clashes.push(`${g.term}: 需求中为${g.sense}，此处为${this.senses.of(g.term, doc)}`);
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
