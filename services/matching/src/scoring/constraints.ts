import { ENTERPRISE_QUALIFICATIONS, COOPERATION_MODES, type EnterpriseQualification, type NeedHardConstraint, type SupplyKind } from '@tt/contracts';
import type { NeedForMatching, SupplyItem } from './scoring.types';

/**
 * The need's constraints against one item. A hard constraint (and always: the item's service area, a
 * region the need excludes, an achievement below the TRL a hard maturity asks for…) removes the item;
 * a soft one yields a factor in 0..1 that the model weighs. Each verdict carries its own words.
 */
export type Verdict = { excluded: string } | { factor: number; detail: string } | undefined;

/** Whether a code lies within an area code: a province (xx0000), a prefecture (xxxx00) or the county itself. */
export function regionWithin(code: string, area: string): boolean {
  if (area.endsWith('0000')) return code.startsWith(area.slice(0, 2));
  if (area.endsWith('00')) return code.startsWith(area.slice(0, 4));
  return code === area;
}

const REGION_LEVELS = [
  { digits: 6, proximity: 1, label: '同区县 same district' },
  { digits: 4, proximity: 0.6, label: '同城市 same city' },
  { digits: 2, proximity: 0.3, label: '同省份 same province' },
] as const;

/** Where the supplier stands matters most for an instrument booked by the hour, least for a loan. */
const LOCALITY: Record<SupplyKind, number> = {
  'shared-equipment': 1,
  'service-agency': 0.8,
  institution: 0.5,
  expert: 0.5,
  achievement: 0.4,
  'finance-product': 0.4,
};

const hard = (need: NeedForMatching, c: NeedHardConstraint) => need.hardConstraints?.includes(c) ?? false;
/** 万元 with at most one decimal (toLocaleString is slow on a hot path). */
const yuan = (fen: number) => `${(fen / 1_000_000).toFixed(1).replace(/\.0$/, '')}万元`;

export function serviceAreaVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  if (item.serviceArea && !item.serviceArea.some((a) => regionWithin(need.regionCode, a))) {
    return { excluded: `服务范围不含企业所在地 outside service area (${item.serviceArea.join(', ')})` };
  }
  if (need.excludedRegionCodes?.some((a) => regionWithin(item.regionCode, a))) return { excluded: `位于排除地区 in an excluded region (${item.regionCode})` };
  return undefined;
}

export function regionVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  const locality = LOCALITY[item.kind];
  const preferred = need.preferredRegionCodes;
  if (preferred?.length) {
    const inside = preferred.find((a) => regionWithin(item.regionCode, a));
    if (inside) return { factor: locality, detail: `位于优先地区 in a preferred region (${inside})` };
    if (hard(need, 'region')) return { excluded: `不在指定地区 outside the regions required (${preferred.join(', ')})` };
  }
  const level = REGION_LEVELS.find((l) => need.regionCode.slice(0, l.digits) === item.regionCode.slice(0, l.digits));
  if (!level) return undefined;
  const factor = locality * level.proximity * (preferred?.length ? 0.5 : 1);
  return { factor, detail: `${level.label} (${item.regionCode})` };
}

/**
 * The TRL a need asks for: as the broker stated it, else implied by its timeline (in use within a
 * year → TRL 7, within two → 6). A stated TRL wins: the broker knows what "送样认证" needs.
 */
export function wantedTrl(need: NeedForMatching): number | undefined {
  if (need.minTrl !== undefined) return need.minTrl;
  const byTime = need.neededWithinMonths === undefined ? 0 : need.neededWithinMonths <= 12 ? 7 : need.neededWithinMonths <= 24 ? 6 : 0;
  return byTime > 0 ? byTime : undefined;
}

export function maturityVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  const wanted = wantedTrl(need);
  if (wanted === undefined) {
    // Unasked, readiness still tells a transfer (成果转化) apart from a lab result. For an R&D problem
    // (技术攻关) a lab or an expert is asked for capability, and an achievement's TRL must not outrank them.
    const transfer = need.category === 'achievement-transfer';
    return transfer && item.kind === 'achievement' && item.trl !== undefined ? { factor: item.trl / 9, detail: `技术就绪度 TRL ${item.trl}/9` } : undefined;
  }
  if (item.trl === undefined) {
    return item.kind === 'institution' || item.kind === 'expert' ? { factor: 0.5, detail: `成熟度未标注 TRL not stated (需要 TRL ≥ ${wanted})` } : undefined;
  }
  if (item.trl >= wanted) return { factor: 1, detail: `TRL ${item.trl} ≥ 需要的 ${wanted}` };
  if (hard(need, 'maturity')) return { excluded: `成熟度不足 TRL ${item.trl} < ${wanted}` };
  return { factor: Math.max(0, 1 - (wanted - item.trl) / 4), detail: `TRL ${item.trl} < 需要的 ${wanted}` };
}

export function budgetVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  const details = item.details ?? {};
  if (need.budgetMinFen === undefined && need.budgetMaxFen === undefined) return undefined;
  if (item.kind === 'finance-product') {
    const min = details.amountMinFen as number | undefined;
    const max = details.amountMaxFen as number | undefined;
    if (min === undefined && max === undefined) return undefined;
    const soughtLow = need.budgetMinFen ?? need.budgetMaxFen!;
    const soughtHigh = need.budgetMaxFen ?? need.budgetMinFen!;
    const fits = soughtHigh >= (min ?? 0) && soughtLow <= (max ?? Number.MAX_SAFE_INTEGER);
    const range = `${yuan(min ?? 0)}–${max === undefined ? '不限' : yuan(max)}`;
    if (fits) return { factor: 1, detail: `额度 ${range} 覆盖所需 amount fits` };
    if (hard(need, 'budget')) return { excluded: `额度 ${range} 不符 amount outside the range` };
    return { factor: 0, detail: `额度 ${range} 不符 amount outside the range` };
  }
  const price = details.askingPriceFen as number | undefined;
  if (price === undefined || need.budgetMaxFen === undefined) return undefined;
  if (price <= need.budgetMaxFen) return { factor: 1, detail: `挂牌价 ${yuan(price)} 在预算内 within budget` };
  if (hard(need, 'budget')) return { excluded: `挂牌价 ${yuan(price)} 超出预算 over budget` };
  return { factor: price <= need.budgetMaxFen * 1.5 ? 0.4 : 0, detail: `挂牌价 ${yuan(price)} 超出预算 over budget` };
}

export function eligibilityVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  if (item.kind !== 'finance-product') return undefined;
  const required = (item.details?.eligibility as EnterpriseQualification[] | undefined) ?? [];
  if (required.length === 0) return { factor: 1, detail: '不限申请资格 open to any enterprise' };
  const held = need.enterpriseQualifications;
  const labels = required.map((q) => ENTERPRISE_QUALIFICATIONS[q]).join('/');
  if (!held) return { factor: 0.5, detail: `需 ${labels}，企业资质未登记 qualifications unknown` };
  const met = required.find((q) => held.includes(q));
  if (met) return { factor: 1, detail: `符合申请资格 eligible: ${ENTERPRISE_QUALIFICATIONS[met]}` };
  if (hard(need, 'eligibility')) return { excluded: `不符合申请资格 not eligible (需 ${labels})` };
  return { factor: 0, detail: `不符合申请资格 not eligible (需 ${labels})` };
}

export function cooperationVerdict(need: NeedForMatching, item: SupplyItem): Verdict {
  if (!item.cooperationModes?.length || !need.cooperationModes?.length) return undefined;
  const shared = need.cooperationModes.filter((m) => item.cooperationModes!.includes(m));
  if (shared.length) return { factor: 1, detail: `合作方式一致 cooperation: ${shared.map((m) => COOPERATION_MODES[m]).join('、')}` };
  if (hard(need, 'cooperation-mode')) return { excluded: '合作方式不符 no cooperation mode in common' };
  return { factor: 0, detail: '合作方式不符 no cooperation mode in common' };
}
