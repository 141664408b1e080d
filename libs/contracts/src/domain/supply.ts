/**
 * The vocabularies of the supply side's kind-specific facts: what a service agency offers, what a
 * finance product is and who provides it. Codes are stable ASCII identifiers; labels are the words
 * brokers use.
 */

/** 科技服务机构's services (检测认证, 知识产权, 技术评估, 中介…). */
export const SERVICE_TYPES = {
  'testing-certification': '检验检测认证',
  'intellectual-property': '知识产权服务',
  'technology-assessment': '技术评估',
  'technology-intermediary': '技术转移中介',
  consulting: '科技咨询',
  incubation: '创业孵化',
  standardisation: '标准化服务',
} as const;
export type ServiceType = keyof typeof SERVICE_TYPES;
export const SERVICE_TYPE_CODES = Object.keys(SERVICE_TYPES) as ServiceType[];

/** Who provides a 科技金融产品. */
export const FINANCE_PROVIDER_TYPES = {
  bank: '银行',
  fund: '投资基金',
  guarantee: '融资担保机构',
  insurance: '保险机构',
  government: '政府专项资金',
} as const;
export type FinanceProviderType = keyof typeof FINANCE_PROVIDER_TYPES;
export const FINANCE_PROVIDER_TYPE_CODES = Object.keys(FINANCE_PROVIDER_TYPES) as FinanceProviderType[];

/** What a 科技金融产品 is. */
export const FINANCE_PRODUCT_TYPES = {
  'credit-loan': '科技信用贷款',
  'ip-pledge-loan': '知识产权质押贷款',
  'equity-investment': '股权投资',
  guarantee: '融资担保',
  insurance: '科技保险',
  subsidy: '补助/贴息',
} as const;
export type FinanceProductType = keyof typeof FINANCE_PRODUCT_TYPES;
export const FINANCE_PRODUCT_TYPE_CODES = Object.keys(FINANCE_PRODUCT_TYPES) as FinanceProductType[];

/** Whether a catalogue item may be proposed: retired items never are. */
export const SUPPLY_STATUSES = ['active', 'retired'] as const;
export type SupplyStatus = (typeof SUPPLY_STATUSES)[number];
