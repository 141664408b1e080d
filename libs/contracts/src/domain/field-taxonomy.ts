import { TECHNICAL_FIELDS, type TechnicalField } from './vocabulary';
import { REGISTRY_TECHNICAL_FIELDS, type RegistryTechnicalField } from './registry';

/**
 * The one place where the two field taxonomies meet: the eight 国家重点支持的高新技术领域 that needs and
 * the catalogue use (TECHNICAL_FIELDS), and the registry's eleven 技术领域 on registered contracts
 * (REGISTRY_TECHNICAL_FIELDS). Each registry field falls under exactly one high-tech field; matching
 * also treats some high-tech fields as neighbours (a materials lab often answers an energy need).
 */
export const HIGH_TECH_FIELD_OF_REGISTRY_FIELD: Record<RegistryTechnicalField, TechnicalField> = {
  'electronic-information': 'electronic-information',
  aerospace: 'aerospace',
  'advanced-manufacturing': 'advanced-manufacturing',
  'biomedicine-devices': 'biomedicine',
  'new-materials': 'new-materials',
  'new-energy': 'new-energy',
  'environment-resources': 'resources-environment',
  nuclear: 'new-energy', // 核能 and 核技术应用 are certified under 新能源与节能
  agriculture: 'biomedicine', // 农业生物技术 is part of 生物与新医药
  'modern-transport': 'advanced-manufacturing', // 新能源汽车、轨道交通 under 先进制造与自动化
  'urban-social-development': 'high-tech-services', // 城市管理、公共服务 are 高技术服务
};

/** The registry fields a high-tech field covers (the inverse of the map above). */
export function registryFieldsOf(field: TechnicalField): RegistryTechnicalField[] {
  return (Object.keys(HIGH_TECH_FIELD_OF_REGISTRY_FIELD) as RegistryTechnicalField[]).filter((r) => HIGH_TECH_FIELD_OF_REGISTRY_FIELD[r] === field);
}

/** Neighbouring high-tech fields: work in one often answers a need in the other. Symmetric. */
const NEIGHBOURS: ReadonlyArray<readonly [TechnicalField, TechnicalField]> = [
  ['electronic-information', 'advanced-manufacturing'], // 智能制造, 工业软件, 机器视觉
  ['electronic-information', 'high-tech-services'], // 软件与信息服务
  ['electronic-information', 'aerospace'], // 导航, 遥感, 星载电子
  ['new-materials', 'new-energy'], // 电池材料, 光伏材料
  ['new-materials', 'advanced-manufacturing'], // 材料成形, 涂层
  ['new-materials', 'aerospace'], // 高温合金, 复合材料
  ['new-materials', 'biomedicine'], // 生物材料
  ['new-energy', 'resources-environment'], // 节能减排
  ['aerospace', 'advanced-manufacturing'], // 航空制造
  ['new-energy', 'advanced-manufacturing'], // 电池装备, 新能源汽车
];

/** How close two high-tech fields are for matching: 1 the same, 0.5 neighbours, 0 otherwise. */
export function fieldAffinity(a: TechnicalField, b: TechnicalField): number {
  if (a === b) return 1;
  return NEIGHBOURS.some(([x, y]) => (x === a && y === b) || (x === b && y === a)) ? 0.5 : 0;
}

/** Labels of both taxonomies, for reasons and reports: 新能源与节能 ⊇ 新能源与高效节能, 核应用. */
export function fieldLabel(field: TechnicalField): string {
  const registry = registryFieldsOf(field).map((r) => REGISTRY_TECHNICAL_FIELDS[r]);
  return registry.length ? `${TECHNICAL_FIELDS[field]}（登记：${registry.join('、')}）` : TECHNICAL_FIELDS[field];
}
