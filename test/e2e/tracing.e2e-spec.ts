import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { brokerToken, eventually, freePort, TestSystem, type ServiceName } from '@tt/testing';
import { captureNeed, chipNeed, createEnterprise } from './broker-workflow';

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** An OTLP/HTTP (JSON) trace receiver, as a collector would be: keeps every span it is sent. */
async function otlpReceiver(port: number): Promise<{ spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === '/v1/traces') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? []) for (const s of scope.spans ?? []) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind });
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { spans, server };
}

/**
 * OpenTelemetry across the services: one need's capture is one trace, from the broker's HTTP request
 * (its traceparent) through intake's SERVER span, matching's Kafka CONSUMER span and its BullMQ scoring
 * job, to the consumers of the proposals, exported over OTLP/HTTP to a receiver.
 */
describe('traces', () => {
  let system: TestSystem;
  let receiver: { spans: ReceivedSpan[]; server: Server };

  beforeAll(async () => {
    const port = await freePort();
    receiver = await otlpReceiver(port);
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '200' };
    const env = Object.fromEntries((['intake', 'matching', 'contract-tracking', 'reporting'] as ServiceName[]).map((s) => [s, otel]));
    system = await TestSystem.start({ env });
  });

  afterAll(async () => {
    await system?.stop();
    receiver?.server.close();
  });

  it('follows a need from the HTTP request through Kafka and BullMQ in one trace', async () => {
    const intake = system.api('intake', await brokerToken('park-traced'));
    const enterpriseId = await createEnterprise(intake);
    const traceId = randomBytes(16).toString('hex');
    const clientSpan = randomBytes(8).toString('hex');
    const captured = await intake.postWith('/needs', chipNeed(enterpriseId), { traceparent: `00-${traceId}-${clientSpan}-01` });
    expect(captured.status).toBe(201);

    const spans = await eventually(
      async () => receiver.spans.filter((s) => s.traceId === traceId),
      (found) => ['intake', 'matching', 'reporting'].every((service) => found.some((s) => s.service === service && s.kind === 5)) && found.some((s) => s.name.startsWith('matching-score-need')) && found.some((s) => s.service === 'intake' && s.kind === 4),
      { what: 'the need’s spans from every service', timeoutMs: 60_000 },
    );
    const server = spans.find((s) => s.service === 'intake' && s.kind === 2)!; // SERVER
    expect(server).toMatchObject({ name: 'POST /needs', parentSpanId: clientSpan });
    // The outbox relay's PRODUCER span hangs off the request that staged the event.
    const published = spans.find((s) => s.service === 'intake' && s.kind === 4)!; // PRODUCER
    expect(published).toMatchObject({ name: 'outbox publish', parentSpanId: server.spanId });
    const consumed = spans.find((s) => s.service === 'matching' && s.kind === 5 && s.name === 'cn.techtransfer.need.captured.v1 process')!; // CONSUMER
    expect(consumed.parentSpanId).toBe(server.spanId);
    const job = spans.find((s) => s.service === 'matching' && s.name === 'matching-score-need score-need')!;
    expect(job.parentSpanId).toBe(consumed.spanId);
    // Everything downstream hangs off the same trace: no span of it starts a trace of its own.
    expect(spans.filter((s) => !s.parentSpanId)).toEqual([]);
  });
});
