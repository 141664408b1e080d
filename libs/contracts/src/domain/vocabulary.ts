/**
 * The controlled vocabularies of technology-transfer brokerage, shared by every service and by the
 * event payloads. Codes are stable ASCII identifiers (they go into events, indexes and reports); the
 * Chinese label is what brokers and analysts see. Renaming a code is a breaking event-contract change.
 */

/** 国家重点支持的高新技术领域: the eight high-tech fields used by high-tech-enterprise certification. */
export const TECHNICAL_FIELDS = {
  'electronic-information': '电子信息',
  biomedicine: '生物与新医药',
  aerospace: '航空航天',
  'new-materials': '新材料',
  'high-tech-services': '高技术服务',
  'new-energy': '新能源与节能',
  'resources-environment': '资源与环境',
  'advanced-manufacturing': '先进制造与自动化',
} as const;
export type TechnicalField = keyof typeof TECHNICAL_FIELDS;
export const TECHNICAL_FIELD_CODES = Object.keys(TECHNICAL_FIELDS) as TechnicalField[];

/** 企业技术需求 categories. */
export const NEED_CATEGORIES = {
  'tech-breakthrough': '技术攻关',
  'achievement-transfer': '成果转化',
  financing: '融资',
  talent: '人才',
  'equipment-sharing': '设备共享',
  'intellectual-property': '知识产权',
  'tech-service': '科技服务',
} as const;
export type NeedCategory = keyof typeof NEED_CATEGORIES;
export const NEED_CATEGORY_CODES = Object.keys(NEED_CATEGORIES) as NeedCategory[];

/** How the enterprise wishes to cooperate with the supply side. */
export const COOPERATION_MODES = {
  'joint-development': '合作开发',
  'commissioned-development': '委托开发',
  transfer: '技术转让',
  licensing: '技术许可',
  consulting: '技术咨询',
  service: '技术服务',
  'joint-lab': '共建研发平台',
} as const;
export type CooperationMode = keyof typeof COOPERATION_MODES;
export const COOPERATION_MODE_CODES = Object.keys(COOPERATION_MODES) as CooperationMode[];

/** 技术合同 types as registered with the technology-market authority (技术合同认定登记). */
export const CONTRACT_TYPES = {
  development: '技术开发',
  transfer: '技术转让',
  licensing: '技术许可',
  consulting: '技术咨询',
  service: '技术服务',
} as const;
export type ContractType = keyof typeof CONTRACT_TYPES;
export const CONTRACT_TYPE_CODES = Object.keys(CONTRACT_TYPES) as ContractType[];

/** Enterprise qualifications brokers record. */
export const ENTERPRISE_QUALIFICATIONS = {
  'high-tech-enterprise': '高新技术企业',
  'specialised-sme': '专精特新中小企业',
  'little-giant': '专精特新"小巨人"企业',
  'tech-sme': '科技型中小企业',
  'listed-company': '上市公司',
} as const;
export type EnterpriseQualification = keyof typeof ENTERPRISE_QUALIFICATIONS;
export const ENTERPRISE_QUALIFICATION_CODES = Object.keys(ENTERPRISE_QUALIFICATIONS) as EnterpriseQualification[];

/**
 * Who or what is on the supply side of the catalogue. Brokers answer needs with laboratories as often
 * as with a bank's 科技贷, a 检测认证 platform or an instrument booked by the hour.
 */
export const SUPPLY_KINDS = {
  institution: '高校院所/研发机构',
  expert: '专家',
  achievement: '科技成果',
  'service-agency': '科技服务机构',
  'finance-product': '科技金融产品',
  'shared-equipment': '共享仪器设备',
} as const;
export type SupplyKind = keyof typeof SUPPLY_KINDS;
export const SUPPLY_KIND_CODES = Object.keys(SUPPLY_KINDS) as SupplyKind[];

/** Confidentiality of a need: public needs may be shown to the supply side, others only to the broker's park. */
export const CONFIDENTIALITY_LEVELS = ['public', 'park-only', 'confidential'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY_LEVELS)[number];

/** 行政区划代码: six digits. Parks are identified separately (a park spans part of a district). */
export const REGION_CODE_PATTERN = /^\d{6}$/;

/**
 * Where a need stands. Intake owns the status: the broker's own actions (withdraw, close) and the
 * events downstream (proposals, deal opened, contract signed and registered, deal cancelled) move it.
 */
export const NEED_STATUSES = {
  open: '待对接',
  proposed: '已推荐',
  negotiating: '洽谈中',
  contracted: '已签约',
  registered: '已登记',
  withdrawn: '已撤回',
  closed: '已关闭',
} as const;
export type NeedStatus = keyof typeof NEED_STATUSES;
export const NEED_STATUS_CODES = Object.keys(NEED_STATUSES) as NeedStatus[];

/** Why a broker closed a need. */
export const NEED_CLOSE_OUTCOMES = {
  resolved: '已解决',
  'resolved-elsewhere': '企业自行解决',
  unresolvable: '暂无法解决',
  'no-longer-needed': '需求取消',
} as const;
export type NeedCloseOutcome = keyof typeof NEED_CLOSE_OUTCOMES;
export const NEED_CLOSE_OUTCOME_CODES = Object.keys(NEED_CLOSE_OUTCOMES) as NeedCloseOutcome[];

/**
 * Constraints a broker can mark hard on a need: an item that violates a hard one is never proposed;
 * a soft one only weighs. (A service area and an excluded region are always hard.)
 */
export const NEED_HARD_CONSTRAINTS = {
  region: '地域',
  maturity: '成熟度/时间',
  budget: '预算/额度',
  eligibility: '申请资格',
  'cooperation-mode': '合作方式',
} as const;
export type NeedHardConstraint = keyof typeof NEED_HARD_CONSTRAINTS;
export const NEED_HARD_CONSTRAINT_CODES = Object.keys(NEED_HARD_CONSTRAINTS) as NeedHardConstraint[];

/** Why a broker rejected a proposal: coded, so the ranking can learn from it (beside the free text). */
export const REJECTION_REASONS = {
  'wrong-kind': '资源类型不对',
  'wrong-field': '技术领域不对',
  'too-far': '距离太远',
  'too-immature': '技术不够成熟',
  'too-expensive': '价格/额度不合适',
  'not-eligible': '企业不符合条件',
  'already-tried': '企业已接触过',
  other: '其他',
} as const;
export type RejectionReason = keyof typeof REJECTION_REASONS;
export const REJECTION_REASON_CODES = Object.keys(REJECTION_REASONS) as RejectionReason[];
