import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * W3C trace context (https://www.w3.org/TR/trace-context/) carried from an HTTP request or a consumed
 * event into the events it causes, so one need can be followed across the four services. Parsing and
 * writing the header is OpenTelemetry's own W3C propagator; ids come from its id generator.
 */
const propagator = new W3CTraceContextPropagator();
const ids = new RandomIdGenerator();
const storage = new AsyncLocalStorage<string>();

/** The span context a `traceparent` header names, if it is a valid one. */
export function parseTraceparent(header: string | null | undefined): SpanContext | undefined {
  if (!header) return undefined;
  const context = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { traceparent: header }, defaultTextMapGetter));
  return context && isSpanContextValid(context) ? context : undefined;
}

/** The `traceparent` header of a span context. */
export function formatTraceparent(context: SpanContext): string {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, context), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** A child of `parent` (same trace, new span), or a new sampled trace when there is no valid parent. */
export function childTraceparent(parent?: string | null): string {
  const context = parseTraceparent(parent);
  return formatTraceparent({
    traceId: context?.traceId ?? ids.generateTraceId(),
    spanId: ids.generateSpanId(),
    traceFlags: context ? context.traceFlags : TraceFlags.SAMPLED,
  });
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
  return parseTraceparent(storage.getStore())?.traceId;
}
