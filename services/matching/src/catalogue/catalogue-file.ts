import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { REGION_CODE_PATTERN, SUPPLY_KIND_CODES, TECHNICAL_FIELD_CODES } from '@tt/contracts';
import type { SupplyItem } from '../scoring/scoring.types';

/** Id prefix per kind, so an id alone tells brokers what it points at. */
const ID_PATTERN = /^(inst|expert|ach|svc|fin|equip)-\d{4}$/;
const ID_PREFIX = { institution: 'inst', expert: 'expert', achievement: 'ach', 'service-agency': 'svc', 'finance-product': 'fin', 'shared-equipment': 'equip' } as const;

const nonBlank = z.string().trim().min(1);
/** Technology readiness describes what a lab, an expert or an achievement offers, not a loan or an instrument. */
const TRL_KINDS = new Set(['institution', 'expert', 'achievement']);

export const supplyItemSchema = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, 'id must look like inst-0001, expert-0001, ach-0001, svc-0001, fin-0001 or equip-0001'),
    kind: z.enum(SUPPLY_KIND_CODES),
    name: nonBlank,
    organisation: nonBlank.optional(),
    summary: nonBlank,
    technicalField: z.enum(TECHNICAL_FIELD_CODES),
    keywords: z.array(nonBlank).min(1),
    regionCode: z.string().regex(REGION_CODE_PATTERN, 'regionCode must be a 6-digit 行政区划代码'),
    trl: z.int().min(1).max(9).optional(),
  })
  .refine((item) => item.trl !== undefined || !TRL_KINDS.has(item.kind), {
    message: 'trl (技术就绪度 1..9) is required for institutions, experts and achievements',
    path: ['trl'],
  })
  .refine((item) => item.id.startsWith(`${ID_PREFIX[item.kind]}-`), {
    message: 'id prefix does not match kind',
    path: ['id'],
  });

export const catalogueSchema = z.array(supplyItemSchema).superRefine((items, ctx) => {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.id);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', message: `duplicate id ${item.id} (also at index ${first})`, path: [i, 'id'] });
    } else {
      seen.set(item.id, i);
    }
  });
});

/** Reads and validates a catalogue JSON file; throws one error listing every problem found. */
export function loadCatalogue(path: string): SupplyItem[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read catalogue ${path}: ${(err as Error).message}`);
  }
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  [${i.path.join('.')}] ${i.message}`).join('\n');
    throw new Error(`invalid catalogue ${path}:\n${problems}`);
  }
  return parsed.data;
}
