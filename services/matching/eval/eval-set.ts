import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { needState } from '@tt/contracts';
import { catalogueSchema } from '../src/catalogue/catalogue-file';
import type { NeedForMatching, SupplyItem } from '../src/scoring/scoring.types';

/** The evaluation set on disk (see README.md): catalogue slices and judged needs. */
export const EVAL_DIR = __dirname;

export const SUBSETS = ['trap', 'constraint'] as const;
export type Subset = (typeof SUBSETS)[number];

export interface JudgedNeed {
  id: string;
  need: NeedForMatching;
  subsets: Subset[];
  /** item id → grade (3 exactly right, 2 good, 1 partly useful; absent: 0) */
  judgments: Record<string, number>;
  note?: string;
}

export interface EvalItem extends SupplyItem {
  role: 'target' | 'hard-negative' | 'filler';
}

const { enterpriseName: _n, confidentiality: _c, ...needFields } = needState;
const judgedNeedSchema = z.strictObject({
  id: z.string().regex(/^[a-z]-\d{3}$/),
  ...needFields,
  keywords: needFields.keywords.optional(),
  subsets: z.array(z.enum(SUBSETS)).max(2),
  judgments: z.record(z.string(), z.union([z.literal(1), z.literal(2), z.literal(3)])),
  note: z.string().optional(),
  /** Items of other slices judged for this need by pooling (graded ones are in `judgments`, the rest are 0) */
  pooled: z.array(z.string()).optional(),
});

const evalRole = z.strictObject({ role: z.enum(['target', 'hard-negative', 'filler']), note: z.string().optional() });

function readJsonArrays(dir: string): { file: string; rows: unknown[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, rows: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown[] }));
}

/** Every catalogue slice, each item checked with the catalogue file's own schema (the events' item schema). */
export function loadEvalCatalogue(dir = join(EVAL_DIR, 'catalogue')): EvalItem[] {
  const items: EvalItem[] = [];
  for (const { file, rows } of readJsonArrays(dir)) {
    const roles = rows.map((row, i) => {
      const parsed = evalRole.safeParse((row as { _eval?: unknown })._eval);
      if (!parsed.success) throw new Error(`${file}[${i}]: _eval must be {role, note?}`);
      return parsed.data.role;
    });
    const stripped = rows.map((row) => {
      const { _eval, ...item } = row as Record<string, unknown>;
      return item;
    });
    const parsed = catalogueSchema.safeParse(stripped);
    if (!parsed.success) {
      throw new Error(`invalid eval catalogue ${file}:\n${parsed.error.issues.map((i) => `  [${i.path.join('.')}] ${i.message}`).join('\n')}`);
    }
    parsed.data.forEach(({ supplyId, ...rest }, i) => items.push({ id: supplyId, ...rest, role: roles[i] }));
  }
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw new Error(`duplicate eval item id ${item.id}`);
    ids.add(item.id);
  }
  return items;
}

/** Every judged need, each checked with the need events' own field rules; judgments must name known items. */
export function loadEvalNeeds(knownItems: ReadonlySet<string>, dir = join(EVAL_DIR, 'needs')): JudgedNeed[] {
  const needs: JudgedNeed[] = [];
  for (const { file, rows } of readJsonArrays(dir)) {
    rows.forEach((row, i) => {
      const parsed = judgedNeedSchema.safeParse(row);
      if (!parsed.success) throw new Error(`${file}[${i}]: ${parsed.error.issues.map((x) => `[${x.path.join('.')}] ${x.message}`).join('; ')}`);
      const { id, subsets, judgments, note, pooled: _pooled, ...need } = parsed.data;
      for (const itemId of Object.keys(judgments)) if (!knownItems.has(itemId)) throw new Error(`${file} ${id}: judgment of unknown item ${itemId}`);
      if (!Object.values(judgments).includes(3)) throw new Error(`${file} ${id}: no item judged exactly right (3)`);
      needs.push({ id, need: need as NeedForMatching, subsets, judgments, note });
    });
  }
  return needs;
}
