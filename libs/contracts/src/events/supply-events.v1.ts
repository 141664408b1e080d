import { z } from 'zod';
import { TOPICS } from './topics';
import { cooperationMode, fen, id, isoDateTime, regionCode, supplyKind, technicalField } from './common';
import { defineEvent } from './event-definition';
import { IP_TYPE_CODES } from '../domain/registry';
import { FINANCE_PRODUCT_TYPE_CODES, FINANCE_PROVIDER_TYPE_CODES, SERVICE_TYPE_CODES } from '../domain/supply';
import { ENTERPRISE_QUALIFICATION_CODES } from '../domain/vocabulary';

/**
 * The supply catalogue (供给侧资源库) as matching owns it: six kinds, each with the facts a broker
 * checks before proposing it. The catalogue is public information (no contact data), so its events
 * may be read by anyone on the platform.
 */
const text = (max: number) => z.string().trim().min(1).max(max);

/** 科技成果: its IP (type and numbers, such as patent numbers) and how mature it is (TRL on the item). */
export const achievementDetails = z.strictObject({
  /** Absent when the holder has not said (a know-how package, an achievement still being filed) */
  ipType: z.enum(IP_TYPE_CODES).optional(),
  ipNumbers: z.array(text(40)).max(20).optional(),
  /** 转化方式 the holder accepts, in words (转让、许可、作价入股…) */
  transferModes: text(200).optional(),
  /** 挂牌价 / asking price of a transfer or licence, fen; absent when negotiable */
  askingPriceFen: fen.optional(),
});

/** 科技服务机构: the services it offers and its accreditations (CMA, CNAS…). */
export const serviceAgencyDetails = z.strictObject({
  serviceTypes: z.array(z.enum(SERVICE_TYPE_CODES)).min(1).max(SERVICE_TYPE_CODES.length),
  accreditations: z.array(text(40)).max(20).optional(),
});

/** 科技金融产品: who lends or invests, what the product is, for how much and for whom. */
export const financeProductDetails = z
  .strictObject({
    providerType: z.enum(FINANCE_PROVIDER_TYPE_CODES),
    productType: z.enum(FINANCE_PRODUCT_TYPE_CODES),
    /** The range financed or invested, fen; absent where it means nothing (an insurance policy, a subsidy by rule) */
    amountMinFen: fen.optional(),
    amountMaxFen: fen.optional(),
    /** Qualifications an applicant must hold (any of them), e.g. 高新技术企业, 专精特新; absent or empty: anyone */
    eligibility: z.array(z.enum(ENTERPRISE_QUALIFICATION_CODES)).max(ENTERPRISE_QUALIFICATION_CODES.length).optional(),
    /** 年化利率 or expected terms, in words */
    terms: text(200).optional(),
  })
  .refine((d) => d.amountMinFen === undefined || d.amountMaxFen === undefined || d.amountMinFen <= d.amountMaxFen, {
    message: 'amountMinFen must not exceed amountMaxFen',
    path: ['amountMinFen'],
  });

/** 共享仪器设备: the instrument, where it stands, how it is booked and what it costs. */
export const sharedEquipmentDetails = z.strictObject({
  instrument: text(200),
  location: text(200),
  bookingTerms: text(500),
  /** per hour of machine time, fen; absent when priced per sample or on request */
  pricePerHourFen: fen.optional(),
});

/** The kind-specific facts each kind must (or may) carry. */
export const SUPPLY_DETAILS = {
  institution: undefined,
  expert: undefined,
  achievement: achievementDetails,
  'service-agency': serviceAgencyDetails,
  'finance-product': financeProductDetails,
  'shared-equipment': sharedEquipmentDetails,
} as const;

/**
 * Technology readiness describes what a lab, an expert or an achievement offers, not a loan or an
 * instrument. Only an achievement must state it: a lab or an expert works across maturities.
 */
export const TRL_KINDS: ReadonlySet<string> = new Set(['institution', 'expert', 'achievement']);
export const TRL_REQUIRED_KINDS: ReadonlySet<string> = new Set(['achievement']);

export const supplyItem = z
  .strictObject({
    supplyId: id,
    kind: supplyKind,
    name: text(200),
    organisation: text(200).optional(),
    summary: text(2000),
    technicalField,
    keywords: z.array(text(40)).min(1).max(20),
    regionCode,
    /** 技术就绪度 1..9: required for achievements, optional for institutions and experts */
    trl: z.number().int().min(1).max(9).optional(),
    /** Regions the supplier serves (province xx0000, prefecture xxxx00 or county codes); absent: nationwide */
    serviceArea: z.array(regionCode).min(1).max(50).optional(),
    /** How the supplier cooperates; absent: not stated */
    cooperationModes: z.array(cooperationMode).min(1).max(10).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((item, ctx) => {
    if (TRL_REQUIRED_KINDS.has(item.kind) && item.trl === undefined)
      ctx.addIssue({ code: 'custom', path: ['trl'], message: 'trl (技术就绪度 1..9) is required for achievements' });
    if (!TRL_KINDS.has(item.kind) && item.trl !== undefined) ctx.addIssue({ code: 'custom', path: ['trl'], message: `a ${item.kind} has no trl` });
    const details = SUPPLY_DETAILS[item.kind];
    if (!details) {
      if (item.details !== undefined) ctx.addIssue({ code: 'custom', path: ['details'], message: `a ${item.kind} has no details` });
      return;
    }
    if (item.details === undefined) {
      ctx.addIssue({ code: 'custom', path: ['details'], message: `details are required for a ${item.kind}` });
      return;
    }
    const parsed = details.safeParse(item.details);
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: ['details', ...issue.path], message: issue.message });
  });
export type SupplyItemPayload = z.infer<typeof supplyItem>;

const change = { revision: z.number().int().min(0), by: id, at: isoDateTime };

export const SupplyListedV1 = defineEvent({
  type: 'cn.techtransfer.supply.listed.v1',
  topic: TOPICS.supply,
  summary: 'An item joined the supply catalogue (revision 0); matching scores it against the open needs.',
  schema: z.strictObject({ item: supplyItem, ...change }),
  keyOf: (p) => p.item.supplyId,
});

export const SupplyRevisedV1 = defineEvent({
  type: 'cn.techtransfer.supply.revised.v1',
  topic: TOPICS.supply,
  summary: 'A catalogue item was revised (the whole item as it now stands); matching scores it again against the open needs.',
  schema: z.strictObject({ item: supplyItem, ...change, revision: z.number().int().min(1) }),
  keyOf: (p) => p.item.supplyId,
});

export const SupplyRetiredV1 = defineEvent({
  type: 'cn.techtransfer.supply.retired.v1',
  topic: TOPICS.supply,
  summary: 'A catalogue item was retired: it is never proposed again, and open proposals of it can no longer be accepted.',
  schema: z.strictObject({ supplyId: id, kind: supplyKind, reason: z.string().trim().min(1).max(500), ...change, revision: z.number().int().min(1) }),
  keyOf: (p) => p.supplyId,
});
