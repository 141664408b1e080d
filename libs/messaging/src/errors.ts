/**
 * Errors of event handling. Whether a failure is transient (retried until the dependency is back) is
 * decided by `isTransientError` in @tt/store; this one is never transient.
 */

/** Thrown by an event handler for an event that can never be applied (not a bug, not an outage): dead-lettered at once. */
export class EventRejectedError extends Error {
  override readonly name = 'EventRejectedError';
  /** Read by `isTransientError`: an event that can never be applied is not retried as if a dependency were away. */
  readonly permanent = true;
}
