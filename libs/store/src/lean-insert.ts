import type { Model } from 'mongoose';

/**
 * A document as mongoose would store it on `create`, without building a mongoose document for it:
 * the fields left `undefined` dropped (the driver would store them as `null`), and the schema's
 * timestamps set. For the hot inserts of a request (a broker's need), whose fields the request's DTO
 * and the event contract have already checked: hydrating, casting and validating the same object
 * again was a tenth of intake's CPU under load. The schema still serves every read and update.
 * Each caller's spec compares the result with mongoose's own document for the same input.
 */
export function storedAsCreated<T extends object>(model: Model<any>, doc: T, now: Date = new Date()): T & Record<string, unknown> {
  const stored = withoutUndefined(doc) as T & Record<string, unknown>;
  const timestamps = model.schema.get('timestamps') as boolean | { createdAt?: string | boolean; updatedAt?: string | boolean } | undefined;
  if (timestamps) {
    const names = timestamps === true ? {} : timestamps;
    const createdAt = names.createdAt === false ? undefined : typeof names.createdAt === 'string' ? names.createdAt : 'createdAt';
    const updatedAt = names.updatedAt === false ? undefined : typeof names.updatedAt === 'string' ? names.updatedAt : 'updatedAt';
    if (createdAt) (stored as Record<string, unknown>)[createdAt] = now;
    if (updatedAt) (stored as Record<string, unknown>)[updatedAt] = now;
  }
  return stored;
}

/** Inserts `doc` as mongoose's `create` would store it (see storedAsCreated); returns what was stored. */
export async function insertAsCreated<T extends object>(model: Model<any>, doc: T, now: Date = new Date()): Promise<T & Record<string, unknown>> {
  const stored = storedAsCreated(model, doc, now);
  await model.collection.insertOne(stored as never);
  return stored;
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value; // Dates, ObjectIds, Buffers as they are
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = withoutUndefined(item);
  return out;
}
