import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { supplyItem, type SupplyKind } from '@tt/contracts';
import type { SupplyItem } from '../scoring/scoring.types';

/** Id prefix per kind, so an id alone tells brokers what it points at. */
export const ID_PREFIX: Record<SupplyKind, string> = {
  institution: 'inst',
  expert: 'expert',
  achievement: 'ach',
  'service-agency': 'svc',
  'finance-product': 'fin',
  'shared-equipment': 'equip',
};
/** `inst-0001` in the sample file; the management API issues `inst-3f9a1c0e` and the like. */
export const SUPPLY_ID_PATTERN = /^(inst|expert|ach|svc|fin|equip)-[0-9a-z]{4,32}$/;

/** A file entry: the catalogue item of the events (`supplyItem`), with `id` for `supplyId`. */
const fileItemSchema = z
  .looseObject({ id: z.string().regex(SUPPLY_ID_PATTERN, 'id must look like inst-0001, expert-0001, ach-0001, svc-0001, fin-0001 or equip-0001') })
  .transform(({ id, ...rest }) => ({ supplyId: id, ...rest }))
  .pipe(supplyItem)
  .refine((item) => item.supplyId.startsWith(`${ID_PREFIX[item.kind]}-`), { message: 'id prefix does not match kind', path: ['id'] });

export const catalogueSchema = z.array(fileItemSchema).superRefine((items, ctx) => {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item.supplyId);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', message: `duplicate id ${item.supplyId} (also at index ${first})`, path: [i, 'id'] });
    } else {
      seen.set(item.supplyId, i);
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
  return parsed.data.map(({ supplyId, ...rest }) => ({ id: supplyId, ...rest }));
}
