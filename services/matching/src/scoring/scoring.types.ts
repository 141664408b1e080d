import type {
  CooperationMode,
  EnterpriseQualification,
  MatchReasonKind,
  NeedCategory,
  NeedHardConstraint,
  RejectionReason,
  SupplyKind,
  TechnicalField,
} from '@tt/contracts';

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
  /** 技术就绪度 1..9: achievements always, institutions and experts when stated */
  trl?: number;
  /** Regions served (province, prefecture or county codes); absent: nationwide */
  serviceArea?: string[];
  /** How the supplier cooperates; absent: not stated */
  cooperationModes?: CooperationMode[];
  /** The kind's own facts (an achievement's IP, a finance product's amounts…): see supplyItem in @tt/contracts */
  details?: Record<string, unknown>;
  /** The catalogue revision the item stands at (0 when listed) */
  revision?: number;
}

/** The parts of an enterprise need (企业技术需求) that matching looks at. */
export interface NeedForMatching {
  title: string;
  description: string;
  category: NeedCategory;
  technicalField: TechnicalField;
  keywords?: string[];
  regionCode: string;
  cooperationModes?: CooperationMode[];
  budgetMinFen?: number;
  budgetMaxFen?: number;
  supplyKinds?: SupplyKind[];
  minTrl?: number;
  neededWithinMonths?: number;
  preferredRegionCodes?: string[];
  excludedRegionCodes?: string[];
  enterpriseQualifications?: EnterpriseQualification[];
  hardConstraints?: NeedHardConstraint[];
}

/** One part of a reason: a term (or the character overlap) and what it added. */
export interface ReasonPart {
  label: string;
  contribution: number;
}

export interface MatchReason {
  kind: MatchReasonKind;
  /** short Chinese + English human text */
  detail: string;
  /** what this factor added to the score (negative for feedback that counts against the item) */
  contribution: number;
  terms?: string[];
  /** term by term (for `terms`): the parts add up to the contribution */
  parts?: ReasonPart[];
}

export interface RankedCandidate {
  supplyId: string;
  kind: SupplyKind;
  name: string;
  /** 0..1, rounded to 4 decimals: the sum of the reasons' contributions */
  score: number;
  reasons: MatchReason[];
}

/** One broker decision on an item proposed for a need: accepted, or rejected with a reason code. */
export interface FeedbackDecision {
  outcome: 'accepted' | RejectionReason;
  /** the need terms the item was matched on then (its `terms` reason): what that need asked of it */
  terms: readonly string[];
}

/** What brokers decided on one item for needs of the same category and field. */
export type ItemFeedback = readonly FeedbackDecision[];

export interface RankOptions {
  limit?: number;
  minScore?: number;
  /** decisions on items for needs of this category and field, by supply id */
  feedback?: ReadonlyMap<string, ItemFeedback>;
}
