import type { InvalidParam } from '@tt/platform';
import type { EnterpriseQualification, NeedHardConstraint, SupplyKind } from '@tt/contracts';

/**
 * The rules between a need's fields, which no single field's validator can see. One function for
 * capture, revision (the revision merged onto the stored need) and the 需求征集表 import, so the three
 * cannot drift apart; and the optional fields the need events carry.
 */

/** What the rules read: a capture, a revised need as it would stand, or an import row. */
export interface NeedRuleFields {
  budgetMinFen?: number;
  budgetMaxFen?: number;
  minTrl?: number;
  neededWithinMonths?: number;
  preferredRegionCodes?: string[];
  excludedRegionCodes?: string[];
  hardConstraints?: NeedHardConstraint[];
}

export interface NeedRuleProblem {
  /** The field at fault (the API's pointer, the import's column) */
  field: keyof NeedRuleFields;
  /** For the API's problem body */
  reason: string;
  /** For the import report */
  zh: string;
}

/**
 * Every rule the need breaks. `enterpriseQualifications` are the enterprise's as recorded; undefined
 * when they are not known yet (an import row before its enterprise is looked up): the eligibility rule
 * is then left for later.
 */
export function needRuleProblems(need: NeedRuleFields, enterpriseQualifications: readonly string[] | undefined): NeedRuleProblem[] {
  const problems: NeedRuleProblem[] = [];
  if (need.budgetMinFen !== undefined && need.budgetMaxFen !== undefined && need.budgetMinFen > need.budgetMaxFen) {
    problems.push({ field: 'budgetMinFen', reason: 'budgetMinFen must not exceed budgetMaxFen', zh: '预算下限不能大于预算上限' });
  }
  const preferred = new Set(need.preferredRegionCodes ?? []);
  const both = [...new Set(need.excludedRegionCodes ?? [])].filter((code) => preferred.has(code));
  if (both.length > 0) {
    problems.push({
      field: 'excludedRegionCodes',
      reason: `${both.join(', ')} cannot be both preferred and excluded`,
      zh: `${both.join('、')} 不能既是优先地区又是排除地区`,
    });
  }
  const hard = new Set(need.hardConstraints ?? []);
  const requires = (constraint: NeedHardConstraint, label: string, missing: string, zh: string) =>
    problems.push({ field: 'hardConstraints', reason: `a hard "${constraint}" constraint needs ${missing}`, zh: `硬性约束“${label}”${zh}` });
  if (hard.has('region') && preferred.size === 0) requires('region', '地域', 'preferredRegionCodes', '须填写优先地区代码');
  if (hard.has('maturity') && need.minTrl === undefined && need.neededWithinMonths === undefined) {
    requires('maturity', '成熟度/时间', 'minTrl or neededWithinMonths', '须填写期望成熟度TRL或需投产月数');
  }
  if (hard.has('budget') && need.budgetMaxFen === undefined) requires('budget', '预算/额度', 'budgetMaxFen', '须填写预算上限');
  if (hard.has('eligibility') && enterpriseQualifications !== undefined && enterpriseQualifications.length === 0) {
    requires('eligibility', '申请资格', 'the enterprise’s qualifications, and the enterprise has none recorded', '须企业已登记资质（该企业未登记任何资质）');
  }
  return problems;
}

/** The API's form of the problems: one JSON pointer per field at fault, for a 400 problem body. */
export function needRuleParams(need: NeedRuleFields, enterpriseQualifications: readonly string[] | undefined): InvalidParam[] {
  return needRuleProblems(need, enterpriseQualifications).map((p) => ({ pointer: `/${p.field}`, reason: p.reason }));
}

/** The optional fields a need captured or need revised carries: each only when the need has it. */
export function optionalNeedState(
  need: NeedRuleFields & { supplyKinds?: SupplyKind[] },
  enterpriseQualifications: readonly EnterpriseQualification[] | undefined,
) {
  const nonEmpty = <T>(list: T[] | undefined) => (list !== undefined && list.length > 0 ? [...list] : undefined);
  return defined({
    supplyKinds: nonEmpty(need.supplyKinds),
    minTrl: need.minTrl,
    neededWithinMonths: need.neededWithinMonths,
    preferredRegionCodes: nonEmpty(need.preferredRegionCodes),
    excludedRegionCodes: nonEmpty(need.excludedRegionCodes),
    enterpriseQualifications: nonEmpty(enterpriseQualifications ? [...enterpriseQualifications] : undefined),
    hardConstraints: nonEmpty(need.hardConstraints),
  });
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
