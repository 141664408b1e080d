import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { childTraceparent, currentTraceparent, formatTraceparent, parseTraceparent, runWithTraceparent } from './trace-context';

/**
 * OpenTelemetry traces, exported by OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter reads the other OTEL_* variables itself.
 * Spans are opened where work enters a service: an HTTP request (SERVER), a consumed event (CONSUMER,
 * child of the `traceparent` the event carries) and a BullMQ job (CONSUMER, child of the traceparent
 * stored in the job). The span's own context becomes the work's traceparent (trace-context.ts), so the
 * events and jobs it causes carry it on: one need is one trace across the four services. Without an
 * endpoint nothing is recorded and trace ids are made as before.
 */
let tracer: Tracer | undefined;
let provider: BasicTracerProvider | undefined;

export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (tracer || !(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)) return tracer !== undefined;
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'techtransfer' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  tracer = provider.getTracer('techtransfer-brokerage');
  return true;
}

/** Sends what is buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
  provider = undefined;
  tracer = undefined;
}

export interface StartedSpan {
  span?: Span;
  /** The traceparent the work under this span runs with (and passes on). */
  traceparent: string;
}

/** Opens a span as the child of a W3C traceparent (a new trace without a valid one). */
export function startSpan(name: string, kind: SpanKind, parent: string | null | undefined, attributes: Attributes = {}): StartedSpan {
  if (!tracer) return { traceparent: childTraceparent(parent) };
  const remote = parseTraceparent(parent);
  const span = tracer.startSpan(name, { kind, attributes }, remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT);
  return { span, traceparent: formatTraceparent(span.spanContext()) };
}

/** Runs `work` in a span (ended when it settles, marked as an error if it throws). */
export async function inSpan<T>(name: string, kind: SpanKind, parent: string | null | undefined, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  const { span, traceparent } = startSpan(name, kind, parent, attributes);
  try {
    return await runWithTraceparent(traceparent, work);
  } catch (error) {
    span?.recordException(error as Error);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span?.end();
  }
}

/** For job data: the traceparent of the work that queues the job. */
export const traceparentForJob = (): { traceparent: string } => ({ traceparent: currentTraceparent() });

/** Runs a BullMQ job in a span child of the traceparent it was queued with. */
export function inJobSpan<T>(queue: string, job: { name: string; id?: string; data: unknown; attemptsMade: number }, work: () => Promise<T>): Promise<T> {
  const parent = (job.data as { traceparent?: unknown } | undefined)?.traceparent;
  return inSpan(`${queue} ${job.name}`, SpanKind.CONSUMER, typeof parent === 'string' ? parent : undefined, { 'messaging.system': 'bullmq', 'messaging.destination.name': queue, 'messaging.message.id': job.id ?? '', 'bullmq.attempt': job.attemptsMade + 1 }, work);
}

export { SpanKind, SpanStatusCode };
