import { isDuplicateKey, isTransientError, upsertOnce } from '@tt/store';
import { EventRejectedError } from './errors';

const named = (name: string, message = 'boom', extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

describe(isTransientError.name, () => {
  it.each([
    ['the driver cannot reach the server', named('MongoServerSelectionError', 'connect ECONNREFUSED 127.0.0.1:27018')],
    ['a connection closed under an operation', named('MongoNetworkError', 'connection 9 to 127.0.0.1:27018 closed')],
    ['an operation interrupted by a client reconnecting', named('MongoClientClosedError', 'Operation interrupted because client was closed')],
    ['mongoose buffering while disconnected', named('MongooseError', 'Operation `needs.findOne()` buffering timed out after 10000ms')],
    ['a socket refused', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['ioredis giving up on a command', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit')],
    ['ioredis with its connection closed', new Error('Connection is closed.')],
    ['kafkajs without a broker', named('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092')],
    ['a retriable cause wrapped by kafkajs', named('KafkaJSNonRetriableError', 'gave up', { cause: named('KafkaJSConnectionError') })],
    ['a retryable write error label', Object.assign(new Error('x'), { hasErrorLabel: (l: string) => l === 'RetryableWriteError' })],
  ])('is transient: %s', (_what, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'parkId')")],
    ['a rejected event', new EventRejectedError('connection to the deal closed')], // never transient, whatever it says
    ['a duplicate key', Object.assign(new Error('E11000 duplicate key error'), { code: 11000, name: 'MongoServerError' })],
    ['a validation error', named('ValidationError', 'parkId: Path `parkId` is required.')],
    ['kafkajs giving up for a non-retriable reason', named('KafkaJSNonRetriableError', 'topic authorization failed')],
    ['not an error at all', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is not transient: %s', (_what, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});

describe(upsertOnce.name, () => {
  it('treats a lost insert race (E11000) as done, and anything else as a failure', async () => {
    await expect(upsertOnce(Promise.reject(Object.assign(new Error('E11000'), { code: 11000 })))).resolves.toBeUndefined();
    await expect(upsertOnce(Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(isDuplicateKey({ code: 11000 })).toBe(true);
    expect(isDuplicateKey({ code: 11001 })).toBe(false);
  });
});
