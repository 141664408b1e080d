/**
 * Why an event or a request failed decides what happens next:
 * - a **transient** failure (the store, Redis or Kafka is away) is retried until the dependency is
 *   back, and nothing is dead-lettered or answered with a 500 for it;
 * - an event that can **never** succeed (a violated invariant, a forged or mismatched fact) is
 *   dead-lettered at once with the reason;
 * - anything else is a bug: retried a bounded number of times, then dead-lettered for a replay
 *   after the fix.
 */

/** Error class names of the MongoDB driver, mongoose, ioredis and kafkajs that mean "unreachable now". */
const TRANSIENT_NAMES = new Set([
  // mongodb driver
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError', // in flight while the client is closed and reconnected (see StoreWatchdog)
  'MongoServerClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  // mongoose (its own server selection error, and buffering while disconnected)
  'MongooseServerSelectionError',
  // ioredis
  'MaxRetriesPerRequestError',
  // kafkajs
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
]);

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTCONN', 'EAI_AGAIN']);

const TRANSIENT_MESSAGES = [
  /buffering timed out/i, // mongoose: operation queued while disconnected
  /Connection is closed/i, // ioredis
  /Stream isn't writeable/i, // ioredis with the offline queue off
  /connection .* closed/i,
  /not primary|node is recovering|shutdown in progress/i, // MongoDB failover
];

/** True when `error` (or its cause) says a dependency is unreachable or restarting, not that the work is wrong. */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown; hasErrorLabel?: (l: string) => boolean };
  if ((e as { permanent?: unknown }).permanent === true) return false; // says it can never succeed (messaging's EventRejectedError)
  if (typeof e.hasErrorLabel === 'function' && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('TransientTransactionError'))) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(e.message as string))) return true;
  // kafkajs wraps the retriable cause once it gives up (KafkaJSNonRetriableError.cause); mongoose keeps `originalError`.
  return isTransientError(e.cause, depth + 1) || isTransientError(e.originalError, depth + 1);
}

/** A unique index refused the write (E11000): the natural key is taken, by this request's earlier try or by another. */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/** One document a bulk insert or write refused: its index in the batch, and the error's code. */
export interface BulkWriteFailure {
  index: number;
  code?: number;
}

/**
 * The per-document failures of a bulk write, in index order (none when `error` is not one). The driver
 * gives one as an object and several as an array; mongoose copies each as `{ err, index }`, with the
 * code on `err`. Read these, not the error's `insertedCount`: the local MongoDB-wire server counts an
 * ordered insert's failed document as inserted.
 */
export function bulkWriteFailures(error: unknown): BulkWriteFailure[] {
  type Raw = { index: number; code?: number; err?: { code?: number } };
  const { writeErrors } = (error ?? {}) as { writeErrors?: Raw | Raw[] };
  const raw = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return raw.map((f) => ({ index: f.index, code: f.code ?? f.err?.code })).sort((a, b) => a.index - b.index);
}

/**
 * Awaits an insert-if-absent upsert (`$setOnInsert`, natural key as `_id`). Two deliveries of one
 * event racing to insert the same key can make the loser's upsert fail with E11000 (MongoDB does so
 * too); the document it wanted is there either way, which is all an idempotent handler needs.
 */
export async function upsertOnce(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}
