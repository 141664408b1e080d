import type { DeadLetterReason } from './dead-letters/dead-letter-reasons';
import type { IHeaders, Message } from 'kafkajs';
import { findEventDefinition, type EventDefinition } from '@tt/contracts';

/**
 * CloudEvents 1.0, Kafka protocol binding, binary content mode: the attributes travel as `ce_*`
 * headers, the payload as the record value (JSON), the aggregate id as the record key.
 */
export interface CloudEvent<TPayload = unknown> {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  traceparent: string;
  data: TPayload;
}

export const CE_HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  contentType: 'content-type',
  traceparent: 'traceparent',
} as const;

export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly reason: Exclude<DeadLetterReason, 'rejected' | 'handler-failed'>,
  ) {
    super(message);
  }
}

export function encodeCloudEvent(event: CloudEvent): Message {
  return {
    key: event.subject,
    value: JSON.stringify(event.data),
    headers: {
      [CE_HEADERS.specversion]: '1.0',
      [CE_HEADERS.id]: event.id,
      [CE_HEADERS.type]: event.type,
      [CE_HEADERS.source]: event.source,
      [CE_HEADERS.subject]: event.subject,
      [CE_HEADERS.time]: event.time,
      [CE_HEADERS.contentType]: 'application/json',
      [CE_HEADERS.traceparent]: event.traceparent,
    },
  };
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined || value === null ? undefined : value.toString();
}

/**
 * Reads a record back into a CloudEvent and validates its payload against the contract. Throws
 * InvalidEventError (never retried: a malformed event will not get better) with the reason.
 */
export function decodeCloudEvent(message: {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}): { event: CloudEvent; definition: EventDefinition } {
  const h = (name: string) => headerText(message.headers, name);
  const id = h(CE_HEADERS.id);
  const type = h(CE_HEADERS.type);
  const source = h(CE_HEADERS.source);
  if (h(CE_HEADERS.specversion) !== '1.0' || !id || !type || !source) {
    throw new InvalidEventError('missing or invalid CloudEvents headers (ce_specversion, ce_id, ce_type, ce_source)', 'invalid-envelope');
  }
  const definition = findEventDefinition(type);
  if (!definition) throw new InvalidEventError(`unknown event type ${type}`, 'unknown-type');
  let json: unknown;
  try {
    json = JSON.parse(message.value?.toString('utf8') ?? '');
  } catch {
    throw new InvalidEventError('payload is not JSON', 'invalid-envelope');
  }
  const parsed = definition.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`payload does not match ${type}: ${issues}`, 'schema-violation');
  }
  return {
    definition,
    event: {
      id,
      type,
      source,
      subject: h(CE_HEADERS.subject) ?? message.key?.toString() ?? '',
      time: h(CE_HEADERS.time) ?? new Date().toISOString(),
      traceparent: h(CE_HEADERS.traceparent) ?? '',
      data: parsed.data,
    },
  };
}
