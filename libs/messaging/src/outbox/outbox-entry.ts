import { randomUUID } from 'node:crypto';
import { Schema } from 'mongoose';
import { EVENT_CATALOG, type EventType, type PayloadOf } from '@tt/contracts';
import { currentTraceparent } from '@tt/observability';
import type { CloudEvent } from '../cloud-event.codec';

/**
 * An event waiting to be published, stored inside the aggregate document it describes. Writing the
 * state change and its events in one single-document update is what makes them atomic without
 * multi-document transactions (which a stand-alone MongoDB-wire server lacks).
 */
export interface OutboxEntry {
  id: string;
  type: string;
  topic: string;
  key: string;
  source: string;
  time: string;
  traceparent: string;
  data: Record<string, unknown>;
}

export const OutboxEntrySchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    type: { type: String, required: true },
    topic: { type: String, required: true },
    key: { type: String, required: true },
    source: { type: String, required: true },
    time: { type: String, required: true },
    traceparent: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
  },
  { _id: false, minimize: false },
);

/** The field every aggregate with an outbox declares: `outbox: { type: [OutboxEntrySchema], default: [] }`. */
export const OUTBOX_FIELD = 'outbox';

/**
 * Builds an outbox entry, validating the payload against its contract now: a bad event is a bug in
 * the producer and must fail the write that causes it, not a consumer downstream.
 */
export function stageEvent<T extends EventType>(type: T, payload: PayloadOf<T>, source: string): OutboxEntry {
  const definition = EVENT_CATALOG[type];
  const data = definition.schema.parse(payload) as Record<string, unknown>;
  return {
    id: randomUUID(),
    type,
    topic: definition.topic,
    key: (definition.keyOf as (p: unknown) => string)(data),
    source,
    time: new Date().toISOString(),
    traceparent: currentTraceparent(),
    data,
  };
}

export function toCloudEvent(entry: OutboxEntry): CloudEvent {
  return {
    id: entry.id,
    type: entry.type,
    source: entry.source,
    subject: entry.key,
    time: entry.time,
    traceparent: entry.traceparent,
    data: entry.data,
  };
}
