import {
  COOPERATION_MODES,
  ENTERPRISE_QUALIFICATIONS,
  NEED_CATEGORIES,
  NEED_HARD_CONSTRAINTS,
  SUPPLY_KINDS,
  TECHNICAL_FIELDS,
  type Confidentiality,
} from '@tt/contracts';

/**
 * The 需求征集表's columns: their headers, whether they must be filled, the values they allow (a code
 * or its Chinese label) and what the guide sheet says about each. The template a broker downloads and
 * the reading of a filled-in file (need-import-sheet.ts) both come from this one list, so they agree.
 */

export const CONFIDENTIALITY_LABELS: Record<Confidentiality, string> = {
  public: '公开',
  'park-only': '仅园区内可见',
  confidential: '保密',
};

type Vocabulary = Record<string, string>;

export interface Column {
  header: string;
  required: boolean;
  /** What the guide sheet says about the column. */
  guide: string;
  vocabulary?: Vocabulary;
  multiple?: boolean;
}

/** A vocabulary's labels as the guide and the problems list them. */
export const listLabels = (v: Vocabulary) => Object.values(v).join('、');

/** In template order. The header text is the key: a file is read by its headers, in any column order. */
export const COLUMNS = {
  enterpriseName: { header: '企业名称', required: true, guide: '企业全称，1至200字' },
  creditCode: { header: '统一社会信用代码', required: true, guide: '18位，校验位按GB 32100核验' },
  regionCode: { header: '所在地区代码', required: true, guide: '6位行政区划代码（GB/T 2260），如320506' },
  industryCode: { header: '行业代码', required: false, guide: '国民经济行业分类代码（GB/T 4754），如C3973' },
  qualifications: { header: '企业资质', required: false, guide: `可多选，用顿号分隔：${listLabels(ENTERPRISE_QUALIFICATIONS)}`, vocabulary: ENTERPRISE_QUALIFICATIONS, multiple: true },
  title: { header: '需求名称', required: true, guide: '1至200字' },
  description: { header: '需求描述', required: true, guide: '1至5000字：要解决的问题、现有基础、期望指标' },
  category: { header: '需求类别', required: true, guide: listLabels(NEED_CATEGORIES), vocabulary: NEED_CATEGORIES },
  technicalField: { header: '技术领域', required: true, guide: listLabels(TECHNICAL_FIELDS), vocabulary: TECHNICAL_FIELDS },
  keywords: { header: '关键词', required: false, guide: '最多20个，用顿号分隔，每个1至40字' },
  budgetMin: { header: '预算下限（万元）', required: false, guide: '数字，单位万元，可带两位小数' },
  budgetMax: { header: '预算上限（万元）', required: false, guide: '数字，单位万元，不小于预算下限' },
  cooperationModes: { header: '合作方式', required: true, guide: `可多选，用顿号分隔：${listLabels(COOPERATION_MODES)}`, vocabulary: COOPERATION_MODES, multiple: true },
  confidentiality: { header: '保密要求', required: false, guide: `${listLabels(CONFIDENTIALITY_LABELS)}（默认仅园区内可见）`, vocabulary: CONFIDENTIALITY_LABELS },
  supplyKinds: { header: '需要的资源类型', required: false, guide: `可多选，用顿号或逗号分隔：${listLabels(SUPPLY_KINDS)}`, vocabulary: SUPPLY_KINDS, multiple: true },
  minTrl: { header: '期望成熟度TRL', required: false, guide: '1至9的整数：可接受的最低技术成熟度（TRL）' },
  neededWithinMonths: { header: '需投产月数', required: false, guide: '1至120的整数：多少个月内需投入使用或量产（明年就要上量填12）' },
  preferredRegionCodes: { header: '优先地区代码', required: false, guide: '6位行政区划代码（GB/T 2260），最多20个，用顿号或逗号分隔，如320500、310000' },
  excludedRegionCodes: { header: '排除地区代码', required: false, guide: '6位行政区划代码（GB/T 2260），最多20个，用顿号或逗号分隔；不能与优先地区重复' },
  hardConstraints: {
    header: '硬性约束',
    required: false,
    guide: `可多选，用顿号或逗号分隔：${listLabels(NEED_HARD_CONSTRAINTS)}。选地域须填优先地区代码；选成熟度/时间须填期望成熟度TRL或需投产月数；选预算/额度须填预算上限；选申请资格须企业已登记资质`,
    vocabulary: NEED_HARD_CONSTRAINTS,
    multiple: true,
  },
  contactName: { header: '联系人', required: true, guide: '1至50字' },
  contactPhone: { header: '联系电话', required: true, guide: '11位手机号或带区号的固定电话，如0512-66668888' },
  contactEmail: { header: '电子邮箱', required: false, guide: '' },
} satisfies Record<string, Column>;
export type ColumnKey = keyof typeof COLUMNS;

export const HEADER_MARKER = COLUMNS.title.header;

/** The template's columns (required ones marked *), drop-down lists and the guide sheet's rows. */
export function templateSpec() {
  const entries = Object.entries(COLUMNS) as [ColumnKey, Column][];
  return {
    columns: entries.map(([key, c]) => ({ key, header: c.required ? `${c.header}*` : c.header, width: Math.max(14, c.header.length * 2 + 4) })),
    lists: Object.fromEntries(entries.filter(([, c]) => c.vocabulary && !c.multiple).map(([key, c]) => [key, Object.values(c.vocabulary!)])),
    guide: entries.map(([, c]) => ({ column: c.header, required: c.required ? '是' : '否', guide: c.guide })),
  };
}
