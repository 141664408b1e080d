import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) carried from an HTTP request or a consumed
 * event into the events it causes, so one need can be followed across the four services.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const storage = new AsyncLocalStorage<string>();

/** A child of `parent` (same trace, new span), or a new trace when there is no valid parent. */
export function childTraceparent(parent?: string | null): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match ? match[1] : randomBytes(16).toString('hex');
  const flags = match ? match[3] : '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

export function runWithTraceparent<T>(traceparent: string, fn: () => T): T {
  return storage.run(traceparent, fn);
}

/** The traceparent of the work in progress; a fresh one outside any request or event. */
export function currentTraceparent(): string {
  return storage.getStore() ?? childTraceparent();
}

/** The trace id of the request or event being handled, if any (for log lines). */
export function activeTraceId(): string | undefined {
  const traceparent = storage.getStore();
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}
