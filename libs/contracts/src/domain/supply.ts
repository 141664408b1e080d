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
  'talent-services': '人才服务/猎头',
  'legal-services': '法律服务',
  'energy-services': '节能服务/合同能源管理',
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
  leasing: '融资租赁公司',
  factoring: '商业保理公司',
} as const;
export type FinanceProviderType = keyof typeof FINANCE_PROVIDER_TYPES;
export const FINANCE_PROVIDER_TYPE_CODES = Object.keys(FINANCE_PROVIDER_TYPES) as FinanceProviderType[];

/** What a 科技金融产品 is. */
export const FINANCE_PRODUCT_TYPES = {
  'credit-loan': '科技信用贷款',
  'ip-pledge-loan': '知识产权质押贷款',
  'equity-pledge-loan': '股权质押贷款',
  'order-loan': '订单/合同融资',
  'talent-loan': '人才贷',
  'investment-loan-linkage': '投贷联动',
  'equity-investment': '股权投资',
  guarantee: '融资担保',
  insurance: '科技保险',
  subsidy: '补助/贴息',
  'financial-leasing': '融资租赁',
  factoring: '应收账款保理',
  'supply-chain-finance': '供应链金融',
} as const;
export type FinanceProductType = keyof typeof FINANCE_PRODUCT_TYPES;
export const FINANCE_PRODUCT_TYPE_CODES = Object.keys(FINANCE_PRODUCT_TYPES) as FinanceProductType[];

/** Whether a catalogue item may be proposed: retired items never are. */
export const SUPPLY_STATUSES = ['active', 'retired'] as const;
export type SupplyStatus = (typeof SUPPLY_STATUSES)[number];
