import { brokerToken, eventually, TestSystem, type ApiClient } from '@tt/testing';
import { awaitProposals, captureNeed, chipNeed, createEnterprise } from './broker-workflow';

/**
 * What ops scrape: every service's /metrics in the Prometheus text format (parsed here line by line),
 * with HTTP latency per route, events consumed by type and outcome, the outbox's oldest waiting event,
 * the consumer lag and the BullMQ queues; and readiness that includes the outbox and the lag.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format: `name{label="value",…} number`, comments skipped. */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a metrics line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

describe('metrics and readiness', () => {
  let system: TestSystem;
  let intake: ApiClient, matching: ApiClient;
  const park = `park-obs-${Date.now().toString(36)}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    const token = await brokerToken(park);
    intake = system.api('intake', token);
    matching = system.api('matching', token);
  });

  afterAll(async () => {
    await system?.stop();
  });

  const scrape = async (service: 'intake' | 'matching' | 'contract-tracking' | 'reporting') => {
    const res = await fetch(`${system.services[service].url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseMetrics(await res.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

  it('exposes each service’s metrics, which follow a need through the pipeline', async () => {
    const enterpriseId = await createEnterprise(intake);
    const needId = await captureNeed(intake, chipNeed(enterpriseId));
    await awaitProposals(matching, needId);
    expect((await intake.get(`/needs/${needId}`)).status).toBe(200);

    const fromIntake = await scrape('intake');
    expect(value(fromIntake, 'tt_http_request_duration_seconds_count', { method: 'POST', route: '/needs', status_code: '201' })).toBe(1);
    expect(value(fromIntake, 'tt_http_request_duration_seconds_count', { method: 'GET', route: '/needs/:id', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(value(fromIntake, 'tt_events_published_total', { type: 'cn.techtransfer.need.captured.v1' })).toBe(1);
    expect(fromIntake.some((s) => s.name === 'tt_outbox_oldest_event_age_seconds')).toBe(true);
    expect(fromIntake.some((s) => s.name === 'tt_bullmq_jobs' && s.labels.queue === 'intake-import-needs')).toBe(true);
    expect(fromIntake.every((s) => s.labels.service === undefined || s.labels.service === 'intake')).toBe(true);

    const fromMatching = await eventually(
      () => scrape('matching'),
      (m) => value(m, 'tt_events_consumed_total', { type: 'cn.techtransfer.need.captured.v1', outcome: 'handled' }) === 1,
      { what: 'matching counting the need it consumed' },
    );
    expect(value(fromMatching, 'tt_events_published_total', { type: 'cn.techtransfer.match.proposed.v1' })).toBe(1);
    expect(fromMatching.some((s) => s.name === 'tt_kafka_consumer_lag' && s.labels.topic.endsWith('techtransfer.intake.need.v1'))).toBe(true);
    expect(fromMatching.some((s) => s.name === 'tt_bullmq_jobs' && s.labels.queue === 'matching-score-need')).toBe(true);
    expect(fromMatching.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);

    // Reporting has no outbox, but consumes: lag, no outbox age.
    const fromReporting = await scrape('reporting');
    expect(fromReporting.some((s) => s.name === 'tt_kafka_consumer_lag')).toBe(true);
    expect(fromReporting.some((s) => s.name === 'tt_outbox_oldest_event_age_seconds')).toBe(false);
  });

  it('counts a request without a route as unmatched, keeps /metrics off the OpenAPI documents, which document every problem answer', async () => {
    expect((await intake.get('/no-such-route')).status).toBe(404);
    const samples = await scrape('intake');
    expect(value(samples, 'tt_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    const openapi = (await (await fetch(`${system.services.intake.url}/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).not.toContain('/metrics');
    // Every operation of every service documents its problem answers, and every POST its Idempotency-Key.
    for (const service of ['intake', 'matching', 'contract-tracking', 'reporting'] as const) {
      const doc = (await (await fetch(`${system.services[service].url}/docs/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; parameters?: { name: string; in: string }[]; security?: unknown[] }>>;
      };
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          const where = `${service} ${method.toUpperCase()} ${path}`;
          // A public operation (`security: []`, the dashboard page) needs no token, so it has no 401.
          const expected = op.security?.length === 0 ? ['400', '500'] : ['400', '401', '500'];
          expect({ where, problems: expected.filter((s) => !op.responses[s]?.content?.['application/problem+json']) }).toEqual({ where, problems: [] });
          if (method === 'post') expect({ where, key: op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key') }).toEqual({ where, key: true });
        }
      }
    }
  });

  it('reports the outbox and the consumer lag in readiness', async () => {
    for (const service of ['intake', 'matching', 'contract-tracking'] as const) {
      const ready = (await (await fetch(`${system.services[service].url}/health/ready`)).json()) as { checks: Record<string, string> };
      expect({ service, checks: ready.checks }).toEqual({ service, checks: expect.objectContaining({ outbox: 'up', 'consumer-lag': 'up' }) });
    }
    const reporting = (await (await fetch(`${system.services.reporting.url}/health/ready`)).json()) as { checks: Record<string, string> };
    expect(reporting.checks).toEqual(expect.objectContaining({ 'consumer-lag': 'up' }));
    expect(reporting.checks.outbox).toBeUndefined();
  });
});
