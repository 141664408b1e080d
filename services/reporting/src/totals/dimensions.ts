import {
  CONTRACT_SUBTYPES,
  CONTRACT_TYPES,
  IP_TYPES,
  PARTY_NATURES,
  REGISTRY_TECHNICAL_FIELDS,
  regionName,
  SOCIOECONOMIC_OBJECTIVES,
  TECHNICAL_FIELDS,
} from '@tt/contracts';

/**
 * The breakdowns of the totals: each a field of the transaction row, with its Chinese title and how a
 * key reads in a report (北京市 rather than 110000, 委托开发 rather than development.commissioned).
 */
const label = (names: Record<string, string>) => (key: string) => names[key] ?? key;
const regionLabel = (key: string) => (key.startsWith('overseas-') ? `境外（${key.slice('overseas-'.length)}）` : regionName(key));

export const DIMENSIONS = {
  byPark: { field: 'parkId', title: '按园区' },
  byRegion: { field: 'regionCode', title: '按企业所在地区', label: regionLabel },
  byContractType: { field: 'contractType', title: '按合同类型', label: label(CONTRACT_TYPES) },
  byTechnicalField: { field: 'technicalField', title: '按高新技术领域', label: label(TECHNICAL_FIELDS) },
  byBroker: { field: 'brokerId', title: '按技术经纪人' },
  // The registry's own tables. Rows logged before the registry record was kept group under null.
  byContractSubtype: { field: 'contractSubtype', title: '按合同类别', label: label(Object.fromEntries(Object.entries(CONTRACT_SUBTYPES).map(([k, v]) => [k, v.label]))) },
  byRegistryTechnicalField: { field: 'registryTechnicalField', title: '按技术领域（登记）', label: label(REGISTRY_TECHNICAL_FIELDS) },
  byIpType: { field: 'ipType', title: '按知识产权类型', label: label(IP_TYPES) },
  bySocioeconomicObjective: { field: 'socioeconomicObjective', title: '按社会经济目标', label: label(SOCIOECONOMIC_OBJECTIVES) },
  bySellerNature: { field: 'sellerNature', title: '按卖方性质', label: label(PARTY_NATURES) },
  byBuyerNature: { field: 'buyerNature', title: '按买方性质', label: label(PARTY_NATURES) },
  /** 技术输出: by the seller's province */
  techOutputByRegion: { field: 'outputRegion', title: '技术输出（按卖方所在省份）', label: regionLabel },
  /** 技术吸纳: by the buyer's province */
  techAbsorptionByRegion: { field: 'absorptionRegion', title: '技术吸纳（按买方所在省份）', label: regionLabel },
} as const satisfies Record<string, { field: string; title: string; label?: (key: string) => string }>;
export type Dimension = keyof typeof DIMENSIONS;

/** What a key of a dimension reads as; null keys are rows logged before the registry record was kept. */
export function labelOf(dimension: Dimension, key: string | null): string {
  if (key === null) return '未登记细目';
  const spec = DIMENSIONS[dimension] as { label?: (key: string) => string };
  return spec.label ? spec.label(key) : key;
}
