import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  COOPERATION_MODES,
  ENTERPRISE_QUALIFICATIONS,
  NEED_CATEGORIES,
  NEED_HARD_CONSTRAINTS,
  SUPPLY_KINDS,
  TECHNICAL_FIELDS,
  type Confidentiality,
} from '@tt/contracts';
import { CreateEnterpriseDto } from '../enterprises/enterprise.dto';
import { CreateNeedDto } from '../needs/need.dto';
import { needRuleProblems, type NeedRuleFields } from '../needs/need-fields';

/**
 * The 需求征集表 (need collection form) brokers fill in after a day of visits: one row per need, with
 * its enterprise. The columns, the values they allow (a code or its Chinese label), and how a row
 * becomes the same requests the API takes, checked with the same validators.
 */

export const CONFIDENTIALITY_LABELS: Record<Confidentiality, string> = {
  public: '公开',
  'park-only': '仅园区内可见',
  confidential: '保密',
};

type Vocabulary = Record<string, string>;

interface Column {
  header: string;
  required: boolean;
  /** What the guide sheet says about the column. */
  guide: string;
  vocabulary?: Vocabulary;
  multiple?: boolean;
}

const list = (v: Vocabulary) => Object.values(v).join('、');

/** In template order. The header text is the key: a file is read by its headers, in any column order. */
export const COLUMNS = {
  enterpriseName: { header: '企业名称', required: true, guide: '企业全称，1至200字' },
  creditCode: { header: '统一社会信用代码', required: true, guide: '18位，校验位按GB 32100核验' },
  regionCode: { header: '所在地区代码', required: true, guide: '6位行政区划代码（GB/T 2260），如320506' },
  industryCode: { header: '行业代码', required: false, guide: '国民经济行业分类代码（GB/T 4754），如C3973' },
  qualifications: { header: '企业资质', required: false, guide: `可多选，用顿号分隔：${list(ENTERPRISE_QUALIFICATIONS)}`, vocabulary: ENTERPRISE_QUALIFICATIONS, multiple: true },
  title: { header: '需求名称', required: true, guide: '1至200字' },
  description: { header: '需求描述', required: true, guide: '1至5000字：要解决的问题、现有基础、期望指标' },
  category: { header: '需求类别', required: true, guide: list(NEED_CATEGORIES), vocabulary: NEED_CATEGORIES },
  technicalField: { header: '技术领域', required: true, guide: list(TECHNICAL_FIELDS), vocabulary: TECHNICAL_FIELDS },
  keywords: { header: '关键词', required: false, guide: '最多20个，用顿号分隔，每个1至40字' },
  budgetMin: { header: '预算下限（万元）', required: false, guide: '数字，单位万元，可带两位小数' },
  budgetMax: { header: '预算上限（万元）', required: false, guide: '数字，单位万元，不小于预算下限' },
  cooperationModes: { header: '合作方式', required: true, guide: `可多选，用顿号分隔：${list(COOPERATION_MODES)}`, vocabulary: COOPERATION_MODES, multiple: true },
  confidentiality: { header: '保密要求', required: false, guide: `${list(CONFIDENTIALITY_LABELS)}（默认仅园区内可见）`, vocabulary: CONFIDENTIALITY_LABELS },
  supplyKinds: { header: '需要的资源类型', required: false, guide: `可多选，用顿号或逗号分隔：${list(SUPPLY_KINDS)}`, vocabulary: SUPPLY_KINDS, multiple: true },
  minTrl: { header: '期望成熟度TRL', required: false, guide: '1至9的整数：可接受的最低技术成熟度（TRL）' },
  neededWithinMonths: { header: '需投产月数', required: false, guide: '1至120的整数：多少个月内需投入使用或量产（明年就要上量填12）' },
  preferredRegionCodes: { header: '优先地区代码', required: false, guide: '6位行政区划代码（GB/T 2260），最多20个，用顿号或逗号分隔，如320500、310000' },
  excludedRegionCodes: { header: '排除地区代码', required: false, guide: '6位行政区划代码（GB/T 2260），最多20个，用顿号或逗号分隔；不能与优先地区重复' },
  hardConstraints: {
    header: '硬性约束',
    required: false,
    guide: `可多选，用顿号或逗号分隔：${list(NEED_HARD_CONSTRAINTS)}。选地域须填优先地区代码；选成熟度/时间须填期望成熟度TRL或需投产月数；选预算/额度须填预算上限；选申请资格须企业已登记资质`,
    vocabulary: NEED_HARD_CONSTRAINTS,
    multiple: true,
  },
  contactName: { header: '联系人', required: true, guide: '1至50字' },
  contactPhone: { header: '联系电话', required: true, guide: '11位手机号或带区号的固定电话，如0512-66668888' },
  contactEmail: { header: '电子邮箱', required: false, guide: '' },
} satisfies Record<string, Column>;
type ColumnKey = keyof typeof COLUMNS;

export const HEADER_MARKER = COLUMNS.title.header;

/** Which column a request field comes from, so a validator's complaint names the column the broker filled. */
const COLUMN_OF_FIELD: Record<string, ColumnKey> = {
  name: 'enterpriseName',
  creditCode: 'creditCode',
  regionCode: 'regionCode',
  industryCode: 'industryCode',
  qualifications: 'qualifications',
  title: 'title',
  description: 'description',
  category: 'category',
  technicalField: 'technicalField',
  keywords: 'keywords',
  budgetMinFen: 'budgetMin',
  budgetMaxFen: 'budgetMax',
  cooperationModes: 'cooperationModes',
  confidentiality: 'confidentiality',
  supplyKinds: 'supplyKinds',
  minTrl: 'minTrl',
  neededWithinMonths: 'neededWithinMonths',
  preferredRegionCodes: 'preferredRegionCodes',
  excludedRegionCodes: 'excludedRegionCodes',
  hardConstraints: 'hardConstraints',
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  'contact.email': 'contactEmail',
};

export interface RowProblem {
  /** The column header, as in the template */
  field: string;
  problem: string;
}

export type ParsedRow = { ok: true; enterprise: CreateEnterpriseDto; need: Omit<CreateNeedDto, 'enterpriseId'> } | { ok: false; problems: RowProblem[] };

const SEPARATORS = /[、，,;；\n]+/;
/** 1 万元 = 10 000 元 = 1 000 000 分 */
const FEN_PER_WAN = 1_000_000;
const PLACEHOLDER_ENTERPRISE_ID = '00000000-0000-4000-8000-000000000000';

/** One row of the form, as the two API requests it stands for, or every problem found in it. */
export function parseRow(values: Record<string, string>): ParsedRow {
  const problems: RowProblem[] = [];
  const cell = (key: ColumnKey) => values[COLUMNS[key].header];
  for (const [key, column] of Object.entries(COLUMNS) as [ColumnKey, Column][]) {
    if (column.required && !cell(key)) problems.push({ field: column.header, problem: '必填项为空 (required)' });
  }
  const code = (key: ColumnKey): string | undefined => {
    const raw = cell(key);
    const { vocabulary, header } = COLUMNS[key] as Column;
    if (raw === undefined || !vocabulary) return raw;
    const found = Object.entries(vocabulary).find(([c, label]) => raw === c || raw === label)?.[0];
    if (!found) problems.push({ field: header, problem: `“${raw}”不是可选值之一：${list(vocabulary)}` });
    return found;
  };
  const codes = (key: ColumnKey): string[] | undefined => {
    const raw = cell(key);
    const { vocabulary, header } = COLUMNS[key] as Column;
    if (raw === undefined) return undefined;
    const parts = raw.split(SEPARATORS).map((p) => p.trim()).filter(Boolean);
    if (!vocabulary) return parts;
    const found: string[] = [];
    for (const part of parts) {
      const c = Object.entries(vocabulary).find(([k, label]) => part === k || part === label)?.[0];
      if (c) found.push(c);
      else problems.push({ field: header, problem: `“${part}”不是可选值之一：${list(vocabulary)}` });
    }
    return [...new Set(found)];
  };
  const integer = (key: ColumnKey): number | undefined => {
    const raw = cell(key);
    if (raw === undefined) return undefined;
    if (!/^\d{1,6}$/.test(raw)) {
      problems.push({ field: COLUMNS[key].header, problem: `“${raw}”不是整数` });
      return undefined;
    }
    return Number(raw); // the range is the API's validator's to check
  };
  const distinct = (parts: string[] | undefined) => (parts === undefined ? undefined : [...new Set(parts)]);
  const wan = (key: ColumnKey): number | undefined => {
    const raw = cell(key);
    if (raw === undefined) return undefined;
    const n = Number(raw.replace(/,/g, ''));
    if (!/^\d+(\.\d{1,2})?$/.test(raw.replace(/,/g, '')) || !Number.isFinite(n)) {
      problems.push({ field: COLUMNS[key].header, problem: `“${raw}”不是以万元为单位的非负数（最多两位小数）` });
      return undefined;
    }
    return Math.round(n * FEN_PER_WAN);
  };

  const enterprise = plainToInstance(CreateEnterpriseDto, defined({
    name: cell('enterpriseName'),
    creditCode: cell('creditCode')?.toUpperCase(),
    regionCode: cell('regionCode'),
    industryCode: cell('industryCode'),
    qualifications: codes('qualifications'),
  }));
  const need = plainToInstance(CreateNeedDto, defined({
    enterpriseId: PLACEHOLDER_ENTERPRISE_ID,
    title: cell('title'),
    description: cell('description'),
    category: code('category'),
    technicalField: code('technicalField'),
    keywords: codes('keywords'),
    budgetMinFen: wan('budgetMin'),
    budgetMaxFen: wan('budgetMax'),
    cooperationModes: codes('cooperationModes'),
    confidentiality: code('confidentiality'),
    supplyKinds: codes('supplyKinds'),
    minTrl: integer('minTrl'),
    neededWithinMonths: integer('neededWithinMonths'),
    preferredRegionCodes: distinct(codes('preferredRegionCodes')),
    excludedRegionCodes: distinct(codes('excludedRegionCodes')),
    hardConstraints: codes('hardConstraints'),
    contact: defined({ name: cell('contactName'), phone: cell('contactPhone'), email: cell('contactEmail') }),
  }));
  const reported = new Set(problems.map((p) => p.field));
  for (const error of [...validateSync(enterprise, { whitelist: true, forbidNonWhitelisted: true }), ...validateSync(need, { whitelist: true, forbidNonWhitelisted: true })]) {
    for (const { path, message } of flatten(error)) {
      const column = COLUMN_OF_FIELD[path] ?? COLUMN_OF_FIELD[path.split('.')[0]];
      const field = column ? COLUMNS[column].header : path;
      if (!reported.has(field)) problems.push({ field, problem: message }); // one complaint per column: the first
      reported.add(field);
    }
  }
  // The rules between fields, as the API applies them; the enterprise's qualifications are checked once
  // the job knows which enterprise the row is for (see needRowRuleProblems).
  for (const problem of needRowRuleProblems(need, undefined)) {
    if (!reported.has(problem.field)) problems.push(problem);
    reported.add(problem.field);
  }
  if (problems.length > 0) return { ok: false, problems };
  const { enterpriseId: _placeholder, ...needFields } = need;
  return { ok: true, enterprise, need: needFields };
}

/** Which column each cross-field rule's field is filled in. */
const COLUMN_OF_RULE_FIELD: Record<keyof NeedRuleFields, ColumnKey> = {
  budgetMinFen: 'budgetMin',
  budgetMaxFen: 'budgetMax',
  minTrl: 'minTrl',
  neededWithinMonths: 'neededWithinMonths',
  preferredRegionCodes: 'preferredRegionCodes',
  excludedRegionCodes: 'excludedRegionCodes',
  hardConstraints: 'hardConstraints',
};

/**
 * The API's rules between a need's fields (needs/need-fields.ts), as problems of the row's columns.
 * `enterpriseQualifications`: those of the enterprise the row's need would belong to (the park's record,
 * or the row's own when the enterprise is new); undefined leaves the eligibility rule unchecked.
 */
export function needRowRuleProblems(need: NeedRuleFields, enterpriseQualifications: readonly string[] | undefined): RowProblem[] {
  return needRuleProblems(need, enterpriseQualifications).map((p) => ({ field: COLUMNS[COLUMN_OF_RULE_FIELD[p.field]].header, problem: `${p.zh} (${p.reason})` }));
}

function flatten(error: ValidationError, prefix = ''): { path: string; message: string }[] {
  const path = prefix ? `${prefix}.${error.property}` : error.property;
  const own = Object.values(error.constraints ?? {}).slice(0, 1).map((message) => ({ path, message }));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, path))];
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The template's columns (required ones marked *), drop-down lists and the guide sheet's rows. */
export function templateSpec() {
  const entries = Object.entries(COLUMNS) as [ColumnKey, Column][];
  return {
    columns: entries.map(([key, c]) => ({ key, header: c.required ? `${c.header}*` : c.header, width: Math.max(14, c.header.length * 2 + 4) })),
    lists: Object.fromEntries(entries.filter(([, c]) => c.vocabulary && !c.multiple).map(([key, c]) => [key, Object.values(c.vocabulary!)])),
    guide: entries.map(([, c]) => ({ column: c.header, required: c.required ? '是' : '否', guide: c.guide })),
  };
}
