import {
  FINANCE_PRODUCT_TYPES,
  NEED_CATEGORIES,
  SERVICE_TYPES,
  SUPPLY_KINDS,
  type FinanceProductType,
  type NeedCategory,
  type ServiceType,
  type SupplyKind,
} from '@tt/contracts';

/**
 * Which supply can answer which kind of need (the category decides). A `primary` answer is what a
 * broker hands over first; a `secondary` one helps in part (a testing agency for an equipment need).
 * Service agencies answer only through the services they offer. Anything else is never proposed.
 */
export interface KindRule {
  kind: SupplyKind;
  fit: 'primary' | 'secondary';
  /** for service agencies: the services that make it an answer (any of them) */
  serviceTypes?: ServiceType[];
  /** for finance products: the product types that make it an answer (any of them) */
  productTypes?: FinanceProductType[];
}

export const CATEGORY_KIND_RULES: Record<NeedCategory, KindRule[]> = {
  'tech-breakthrough': [
    { kind: 'institution', fit: 'primary' },
    { kind: 'expert', fit: 'primary' },
    { kind: 'achievement', fit: 'primary' },
  ],
  'achievement-transfer': [
    { kind: 'achievement', fit: 'primary' },
    { kind: 'institution', fit: 'secondary' },
    { kind: 'expert', fit: 'secondary' },
    { kind: 'service-agency', fit: 'secondary', serviceTypes: ['technology-intermediary', 'technology-assessment'] },
  ],
  financing: [
    { kind: 'finance-product', fit: 'primary' },
    // 投融资顾问 (FA), 项目申报 and valuation help an enterprise to the money without being it.
    { kind: 'service-agency', fit: 'secondary', serviceTypes: ['consulting', 'technology-assessment'] },
  ],
  talent: [
    { kind: 'expert', fit: 'primary' },
    { kind: 'service-agency', fit: 'primary', serviceTypes: ['talent-services'] },
    { kind: 'institution', fit: 'secondary' },
    // 人才补贴、安家补助 and talent loans pay for the people an enterprise brings in.
    { kind: 'finance-product', fit: 'secondary', productTypes: ['subsidy', 'talent-loan'] },
  ],
  'equipment-sharing': [
    { kind: 'shared-equipment', fit: 'primary' },
    { kind: 'service-agency', fit: 'secondary', serviceTypes: ['testing-certification'] },
    // 科技创新券: vouchers that pay for instrument time and testing.
    { kind: 'finance-product', fit: 'secondary', productTypes: ['subsidy'] },
  ],
  'intellectual-property': [
    { kind: 'service-agency', fit: 'primary', serviceTypes: ['intellectual-property', 'legal-services'] },
    { kind: 'service-agency', fit: 'secondary', serviceTypes: ['technology-assessment', 'technology-intermediary'] },
  ],
  'tech-service': [
    {
      kind: 'service-agency',
      fit: 'primary',
      serviceTypes: ['testing-certification', 'technology-assessment', 'technology-intermediary', 'consulting', 'incubation', 'standardisation', 'energy-services'],
    },
    { kind: 'shared-equipment', fit: 'secondary' },
    { kind: 'service-agency', fit: 'secondary', serviceTypes: ['intellectual-property', 'legal-services', 'talent-services'] },
    // A 技术服务 is often done by an expert, a lab or the holder of a technology (an RTO supplier's engineers).
    { kind: 'expert', fit: 'secondary' },
    { kind: 'institution', fit: 'secondary' },
    { kind: 'achievement', fit: 'secondary' },
    { kind: 'finance-product', fit: 'secondary', productTypes: ['subsidy'] },
  ],
};

/** Words a category implies even when the enterprise does not write them (a loan need is about 融资). */
export const CATEGORY_CUE_TERMS: Record<NeedCategory, string[]> = {
  'tech-breakthrough': [],
  'achievement-transfer': ['成果转化'],
  financing: ['融资'],
  talent: ['人才'],
  'equipment-sharing': ['仪器', '共享'],
  'intellectual-property': ['知识产权'],
  'tech-service': [],
};

export interface KindFit {
  fit: 'primary' | 'secondary';
  /** the reason's words (built only for the proposals shown) */
  describe(): string;
}

/**
 * How an item's kind answers a need: by the kinds the broker named (`supplyKinds`, all primary), else
 * by the category's rules. Undefined: this item cannot answer this need.
 */
export function kindFit(category: NeedCategory, wanted: readonly SupplyKind[] | undefined, item: { kind: SupplyKind; details?: Record<string, unknown> }): KindFit | undefined {
  if (wanted && wanted.length > 0) {
    return wanted.includes(item.kind) ? { fit: 'primary', describe: () => `经纪人指定资源类型 kind asked for: ${SUPPLY_KINDS[item.kind]}` } : undefined;
  }
  const offered = (item.details?.serviceTypes as ServiceType[] | undefined) ?? [];
  const productType = item.details?.productType as FinanceProductType | undefined;
  for (const rule of CATEGORY_KIND_RULES[category]) {
    if (rule.kind !== item.kind) continue;
    const service = rule.serviceTypes ? offered.find((s) => rule.serviceTypes!.includes(s)) : undefined;
    if (rule.serviceTypes && !service) continue;
    if (rule.productTypes && !(productType && rule.productTypes.includes(productType))) continue;
    return {
      fit: rule.fit,
      describe: () => {
        const what = service
          ? `${SUPPLY_KINDS[item.kind]}（${SERVICE_TYPES[service]}）`
          : rule.productTypes && productType
            ? `${SUPPLY_KINDS[item.kind]}（${FINANCE_PRODUCT_TYPES[productType]}）`
            : SUPPLY_KINDS[item.kind];
        const role = rule.fit === 'primary' ? '可直接解决' : '可部分解决';
        return `${NEED_CATEGORIES[category]}需求 → ${what}${role} (${rule.fit} kind for ${category})`;
      },
    };
  }
  return undefined;
}
