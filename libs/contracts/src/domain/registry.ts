/**
 * The vocabularies of 技术合同认定登记 (technology-contract registration), as the registry records a
 * contract and as 全国技术市场统计年度报告 tables it: contract subtypes, party nature, the registry's
 * own technical-field list (not the eight high-tech fields of enterprise certification), IP types and
 * social-economic objectives. Codes are stable ASCII identifiers; labels are the registry's words.
 * Adding a value is compatible once consumers are deployed first; renaming one is a breaking change.
 */
import type { ContractType } from './vocabulary';

/** 合同类别 within each contract type (技术合同认定规则). */
export const CONTRACT_SUBTYPES = {
  'development.commissioned': { type: 'development', label: '委托开发' },
  'development.cooperative': { type: 'development', label: '合作开发' },
  'transfer.patent-right': { type: 'transfer', label: '专利权转让' },
  'transfer.patent-application-right': { type: 'transfer', label: '专利申请权转让' },
  'transfer.technical-secret': { type: 'transfer', label: '技术秘密转让' },
  'transfer.software-copyright': { type: 'transfer', label: '计算机软件著作权转让' },
  'transfer.ic-layout-design': { type: 'transfer', label: '集成电路布图设计专有权转让' },
  'transfer.plant-variety': { type: 'transfer', label: '植物新品种权转让' },
  'transfer.biomedical-variety': { type: 'transfer', label: '生物、医药新品种权转让' },
  'transfer.other': { type: 'transfer', label: '其他技术转让' },
  'licensing.patent-implementation': { type: 'licensing', label: '专利实施许可' },
  'licensing.technical-secret-use': { type: 'licensing', label: '技术秘密使用许可' },
  'licensing.software-copyright': { type: 'licensing', label: '计算机软件著作权许可' },
  'licensing.ic-layout-design': { type: 'licensing', label: '集成电路布图设计专有权许可' },
  'licensing.plant-variety': { type: 'licensing', label: '植物新品种权实施许可' },
  'licensing.other': { type: 'licensing', label: '其他技术许可' },
  'consulting.general': { type: 'consulting', label: '技术咨询' },
  'service.general': { type: 'service', label: '一般技术服务' },
  'service.training': { type: 'service', label: '技术培训' },
  'service.intermediary': { type: 'service', label: '技术中介' },
} as const satisfies Record<string, { type: ContractType; label: string }>;
export type ContractSubtype = keyof typeof CONTRACT_SUBTYPES;
export const CONTRACT_SUBTYPE_CODES = Object.keys(CONTRACT_SUBTYPES) as ContractSubtype[];

/** Whether a subtype belongs to a contract type (a 专利实施许可 is never a 技术开发 contract). */
export function subtypeBelongsTo(subtype: ContractSubtype, type: ContractType): boolean {
  return CONTRACT_SUBTYPES[subtype].type === type;
}

/** 当事人角色: 买方 (委托方/受让方/被许可方), 卖方 (受托方/让与方/许可方), 中介方. */
export const PARTY_ROLES = {
  buyer: '买方（委托方/受让方/被许可方）',
  seller: '卖方（受托方/让与方/许可方）',
  intermediary: '中介方',
} as const;
export type PartyRole = keyof typeof PARTY_ROLES;
export const PARTY_ROLE_CODES = Object.keys(PARTY_ROLES) as PartyRole[];

/** 主体性质 of a party, as the registry tables 技术输出/吸纳 by seller and buyer. */
export const PARTY_NATURES = {
  enterprise: '企业',
  university: '高等院校',
  'research-institute': '科研院所',
  'other-public-institution': '其他事业单位',
  'social-organisation': '社会团体',
  individual: '个人',
  overseas: '境外',
} as const;
export type PartyNature = keyof typeof PARTY_NATURES;
export const PARTY_NATURE_CODES = Object.keys(PARTY_NATURES) as PartyNature[];

/** 技术领域 of the registry's statistics (distinct from TECHNICAL_FIELDS, the eight 高新技术领域). */
export const REGISTRY_TECHNICAL_FIELDS = {
  'electronic-information': '电子信息',
  aerospace: '航空航天',
  'advanced-manufacturing': '先进制造',
  'biomedicine-devices': '生物、医药和医疗器械',
  'new-materials': '新材料及其应用',
  'new-energy': '新能源与高效节能',
  'environment-resources': '环境保护与资源综合利用',
  nuclear: '核应用',
  agriculture: '农业',
  'modern-transport': '现代交通',
  'urban-social-development': '城市建设与社会发展',
} as const;
export type RegistryTechnicalField = keyof typeof REGISTRY_TECHNICAL_FIELDS;
export const REGISTRY_TECHNICAL_FIELD_CODES = Object.keys(REGISTRY_TECHNICAL_FIELDS) as RegistryTechnicalField[];

/** 知识产权类型 the contract concerns. */
export const IP_TYPES = {
  'invention-patent': '发明专利',
  'utility-model': '实用新型专利',
  'design-patent': '外观设计专利',
  'technical-secret': '技术秘密',
  'software-copyright': '计算机软件著作权',
  'ic-layout-design': '集成电路布图设计专有权',
  'plant-variety': '植物新品种权',
  'biomedical-variety': '生物、医药新品种权',
  'design-copyright': '设计著作权',
  none: '未涉及知识产权',
} as const;
export type IpType = keyof typeof IP_TYPES;
export const IP_TYPE_CODES = Object.keys(IP_TYPES) as IpType[];

/** 社会经济目标 of the contract. */
export const SOCIOECONOMIC_OBJECTIVES = {
  environment: '环境保护、生态建设及污染防治',
  agriculture: '农林牧渔业发展',
  industry: '促进工业发展',
  energy: '能源生产、分配和合理利用',
  infrastructure: '交通运输、邮电通讯和其他基础设施建设',
  health: '卫生事业发展',
  education: '教育事业发展',
  'social-services': '社会发展和社会服务',
  'urban-planning': '城市规划与市政工程',
  'earth-atmosphere': '地球和大气层的探索与利用',
  'civil-space': '民用空间探测及开发',
  defence: '国防',
  'non-oriented-research': '非定向研究',
  other: '其他',
} as const;
export type SocioeconomicObjective = keyof typeof SOCIOECONOMIC_OBJECTIVES;
export const SOCIOECONOMIC_OBJECTIVE_CODES = Object.keys(SOCIOECONOMIC_OBJECTIVES) as SocioeconomicObjective[];

/**
 * 技术合同登记编号 as issued by the registering offices: the year (4 digits), the office's 6-digit
 * region code and a 6-digit serial, e.g. 2025330108000123. The year must be the year of registration.
 */
export const REGISTRATION_NUMBER_PATTERN = /^(\d{4})(\d{6})(\d{6})$/;
