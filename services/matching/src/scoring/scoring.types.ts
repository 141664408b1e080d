import type { SupplyKind, TechnicalField } from '@tt/contracts';

/**
 * One entry of the supply catalogue: an institution, an expert, a technology achievement (科技成果), a
 * service agency, a finance product or a shared instrument.
 */
export interface SupplyItem {
  id: string;
  kind: SupplyKind;
  name: string;
  organisation?: string;
  summary: string;
  technicalField: TechnicalField;
  keywords: string[];
  /** 6-digit 行政区划代码 */
  regionCode: string;
  /** 技术就绪度 1..9, for institutions, experts and achievements */
  trl?: number;
  /** The kind's own facts (an achievement's IP, a finance product's amounts…): see supplyItem in @tt/contracts */
  details?: Record<string, unknown>;
  /** The catalogue revision the item stands at (0 when listed) */
  revision?: number;
}

/** The parts of an enterprise need (企业技术需求) that matching looks at. */
export interface NeedForMatching {
  title: string;
  description: string;
  technicalField: TechnicalField;
  keywords?: string[];
  regionCode: string;
}

export interface MatchReason {
  kind: 'terms' | 'field' | 'region' | 'maturity';
  /** short Chinese + English human text */
  detail: string;
  contribution: number;
  terms?: string[];
}

export interface RankedCandidate {
  supplyId: string;
  kind: SupplyKind;
  name: string;
  /** 0..1, rounded to 4 decimals */
  score: number;
  reasons: MatchReason[];
}

export interface RankOptions {
  limit?: number;
  minScore?: number;
}
