/**
 * Why a consumer dead-letters a record, written in its `dlq_reason` header: the one list the transport
 * writes, the replay tool reads and the AsyncAPI document publishes.
 * - `invalid-envelope`: not a CloudEvent in Kafka binary mode;
 * - `unknown-type`: a type no handler of this service takes;
 * - `schema-violation`: the payload breaks its type's schema;
 * - `untrusted-source`: a type published by a service that does not own it;
 * - `wrong-topic`: a type on a topic other than its own (every type has one topic);
 * - `rejected`: the handler refused the event (it contradicts what the consumer holds);
 * - `handler-failed`: the handler failed on every attempt.
 */
export const DEAD_LETTER_REASONS = ['invalid-envelope', 'unknown-type', 'schema-violation', 'untrusted-source', 'wrong-topic', 'rejected', 'handler-failed'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** Reasons whose records can never be handled as they are: replaying them would only park them again. */
export const UNREPLAYABLE_REASONS: readonly DeadLetterReason[] = ['invalid-envelope', 'untrusted-source', 'wrong-topic'];
