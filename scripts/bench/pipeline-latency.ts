/**
 * Pipeline latency benchmark (run on demand: `npm run bench:pipeline`; not part of `npm test`).
 *
 * Starts the four built services on the real infrastructure (as the e2e tests do), then measures in
 * one run:
 * - baseline: a plain kafkajs produce → consume round trip on the same broker;
 * - need captured → match proposed: from the need.captured event time to an analyst-style subscriber
 *   receiving match.proposed (relay, Kafka, matching's consumer, BullMQ job, scoring, relay, Kafka);
 * - contract registered → totals updated: from the transaction.logged event time to the moment
 *   reporting stored the transaction row (`recordedAt`), i.e. when /totals includes it;
 * - need captured → totals updated, with the broker's HTTP steps automated in between.
 * Figures are reported as p50/p99 in ms and as ratios to the baseline's p50. Results go to
 * bench-results/pipeline-latency-<timestamp>.json.
 *
 * The pieces (`kafkaRoundTrip`, `transactionRows`, `benchPipelineLatency`) are exported for
 * `npm run bench` (scripts/bench/run-all.ts), whose pipeline figure is the open-loop one of
 * scripts/bench/pipeline-load.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { TOPICS } from '@tt/contracts';
import { brokerToken, KafkaProbe, REPO_ROOT, TestSystem } from '@tt/testing';
import { awaitDealFor, awaitProposals, captureNeed, chipNeed, createEnterprise, inPool, registration, signature } from '../../test/e2e/broker-workflow';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const summary = (values: number[], baseline?: number) => {
  const p50 = percentile(values, 50);
  const p99 = percentile(values, 99);
  return { n: values.length, p50Ms: p50, p99Ms: p99, ...(baseline ? { p50VsBaseline: +(p50 / baseline).toFixed(1), p99VsBaseline: +(p99 / baseline).toFixed(1) } : {}) };
};

export async function kafkaRoundTrip(system: TestSystem, samples = 200): Promise<number[]> {
  const benchTopic = system.topic('bench.round-trip');
  const admin = system.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: benchTopic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const received = new Map<string, number>();
  const consumer = system.kafka.consumer({ groupId: `bench-${system.runId}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [benchTopic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.set(message.key!.toString(), Date.now()) });
  const producer = system.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const sentAt = Date.now();
    await producer.send({ topic: benchTopic, acks: -1, messages: [{ key: String(i), value: 'x' }] });
    while (!received.has(String(i))) await new Promise((r) => setTimeout(r, 1));
    latencies.push(received.get(String(i))! - sentAt);
  }
  await producer.disconnect();
  await consumer.disconnect();
  return latencies;
}

export interface TransactionRow {
  loggedAt: Date;
  recordedAt: Date;
  needId: string;
}

/**
 * Reporting's transaction rows of a park (each says when its registered contract reached the totals:
 * `recordedAt`), once there are `expected` of them or `timeoutMs` has passed.
 */
export async function transactionRows(system: TestSystem, parkId: string, expected: number, timeoutMs = 120_000): Promise<TransactionRow[]> {
  const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
  try {
    const reporting = connection.useDb(system.database('reporting'));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = (await reporting.collection('transactions').find({ parkId }).toArray()) as unknown as TransactionRow[];
      if (rows.length >= expected || Date.now() >= deadline) return rows; // read at least once, whatever the time left
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

export interface PipelineLatencyOptions {
  needs: number;
  concurrency: number;
}

/** The closed-loop run: `needs` needs, `concurrency` at a time, each taken from capture to registration. */
export async function benchPipelineLatency(system: TestSystem, { needs: NEEDS, concurrency: CONCURRENCY }: PipelineLatencyOptions) {
  const baseline = await kafkaRoundTrip(system);
  const baselineP50 = Math.max(1, percentile(baseline, 50));

  const probe = await KafkaProbe.start(system.kafka, [system.topic(TOPICS.need), system.topic(TOPICS.match)]);
  const park = `park-bench-${system.runId}`;
  const token = await brokerToken(park);
  const intake = system.api('intake', token);
  const matching = system.api('matching', token);
  const contracts = system.api('contract-tracking', token);
  const enterpriseId = await createEnterprise(intake);
  const started = Date.now();
  const needIds: string[] = [];
  await inPool(Array.from({ length: NEEDS }, (_, i) => i), CONCURRENCY, async (i) => {
    const needId = await captureNeed(intake, chipNeed(enterpriseId, { title: `低功耗芯片设计需求 #${i}` }));
    needIds.push(needId);
    const { proposals } = await awaitProposals(matching, needId, 120_000);
    await matching.post(`/proposals/${proposals[0].proposalId}/accept`);
    const dealId = await awaitDealFor(contracts, proposals[0].proposalId, 120_000);
    await contracts.post(`/deals/${dealId}/sign`, signature(1_000_000 + i, 900_000));
    await contracts.post(`/deals/${dealId}/register`, registration());
  });
  const burstSeconds = (Date.now() - started) / 1000;

  // Reporting's rows say when each registered contract reached the totals.
  const rows = await transactionRows(system, park, NEEDS);
  await probe.stop();

  const capturedAt = new Map<string, number>();
  const proposedSeenAt = new Map<string, number>();
  for (const r of probe.records) {
    if (r.headers.ce_type === 'cn.techtransfer.need.captured.v1') capturedAt.set(r.key!, Date.parse(r.headers.ce_time!));
  }
  for (const r of probe.records) {
    if (r.headers.ce_type === 'cn.techtransfer.match.proposed.v1') proposedSeenAt.set(r.key!, r.receivedAt);
  }
  const toProposed = needIds.filter((id) => capturedAt.has(id) && proposedSeenAt.has(id)).map((id) => proposedSeenAt.get(id)! - capturedAt.get(id)!);
  const registeredToTotals = rows.map((r) => new Date(r.recordedAt).getTime() - new Date(r.loggedAt).getTime());
  const capturedToTotals = rows.filter((r) => capturedAt.has(r.needId)).map((r) => new Date(r.recordedAt).getTime() - capturedAt.get(r.needId)!);
  return {
    when: new Date().toISOString(),
    machine: { cpus: require('node:os').cpus().length, node: process.version },
    needs: NEEDS,
    concurrency: CONCURRENCY,
    burstSeconds,
    throughputNeedsPerSecond: +(NEEDS / burstSeconds).toFixed(2),
    baselineKafkaRoundTrip: summary(baseline),
    needCapturedToMatchProposed: summary(toProposed, baselineP50),
    contractRegisteredToTotalsUpdated: summary(registeredToTotals, baselineP50),
    needCapturedToTotalsUpdatedWithAutomatedBroker: summary(capturedToTotals, baselineP50),
    registeredRows: rows.length,
  };
}

async function main() {
  const system = await TestSystem.start();
  try {
    const result = await benchPipelineLatency(system, { needs: Number(process.env.BENCH_NEEDS ?? 200), concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8) });
    const dir = join(REPO_ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `pipeline-latency-${result.when.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
    console.log(`written to ${file}`);
  } finally {
    await system.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
