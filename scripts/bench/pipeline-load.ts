/**
 * Pipeline latency under load (one figure of `npm run bench`), on the running system (two instances of
 * every service, as `npm run bench` starts it):
 *
 * - the raw chain, first, on the idle system: an open-loop producer offers `rate` messages/s for
 *   `seconds` s to a fresh topic; a kafkajs consumer inserts each into MongoDB and produces it to a
 *   second topic; another consumer receives it. Per message: sent → received (the whole chain), and
 *   sent → inserted (its first hop: produce → consume → insert).
 * - then the services: an open-loop generator offers `rate` needs/s for `seconds` s through intake's
 *   HTTP API (round-robin over its instances, never waiting for an answer before the next send). A
 *   watcher (plain kafkajs, its own group, joined before the load) receives need captured, match
 *   proposed and deal opened. The broker's steps (accept the first proposal, sign, register) are
 *   automated for a SAMPLE, every `dealEvery`-th need, as the events arrive.
 *   - need captured → match proposed: the need-captured event's `time` (set by intake as it stores the
 *     need) to the watcher receiving match proposed;
 *   - contract registered → totals updated: reporting's transaction row, `recordedAt − loggedAt`.
 *   A need or a registered contract that never gets there within the drain timeout counts as
 *   infinitely late (it is in the percentiles, never left out).
 * - consumer lag after the load: from the last request sent, every service group's committed offsets
 *   against the end offsets of its topics, polled every 250 ms, until every group is at 0.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import { SERVICE_NAMES, TOPICS, topicsConsumedBy } from '@tt/contracts';
import { brokerToken, chipNeed, registration, signature, type TestSystem } from '@tt/testing';
import { createEnterprise } from '../../test/e2e/broker-workflow';
import { transactionRows } from './pipeline-latency';
import { createTopics, deleteTopics, groupLag, mongo, opsPer, say, storeOpcounters, until } from './scratch';
import { openLoopSchedule, summarize, type LatencySummary } from './summary';

export interface PipelineLoadOptions {
  /** Needs (and chain messages) offered per second. */
  rate: number;
  /** How long the load is offered. */
  seconds: number;
  /** The broker's steps are automated for every dealEvery-th need. */
  dealEvery: number;
  /** How long to wait after the load for the last proposals and totals. */
  drainTimeoutMs: number;
  /** How long to poll the consumer lag after the load. */
  lagTimeoutMs: number;
}

export interface ChainResult {
  what: string;
  offered: number;
  received: number;
  scheduleBehindMaxMs: number;
  full: LatencySummary & { missing: number };
  firstHop: LatencySummary & { missing: number };
}

export interface LagResult {
  /** Per service, records behind at the first poll after the last request was sent. */
  atLoadEnd: Record<string, number>;
  /** ms from the last request sent to the first poll with every group at 0; null when it never was within lagTimeoutMs. */
  backToZeroMs: number | null;
  maxTotalLag: number;
  polls: number;
  series: { atMs: number; total: number }[];
}

export interface ServiceLoadResult {
  offered: number;
  answered: Record<string, number>;
  scheduleBehindMaxMs: number;
  maxInFlight: number;
  postNeeds: LatencySummary;
  sample: { every: number; sampled: number; accepted: number; registered: number; withoutProposal: number; stepErrors: string[] };
  needCapturedToMatchProposed: LatencySummary & { missing: number };
  contractRegisteredToTotalsUpdated: LatencySummary & { missing: number };
  lag: LagResult;
  memoryPerInstance: { instance: string; rssMiB: number | null; heapUsedMiB: number | null }[];
  /**
   * The store's operations (serverStatus opcounters: documents inserted, finds, update and delete
   * statements, getMores, other commands) from the first request to the end of the drain, per need
   * offered: everything the four services (and the benchmark's few reads) asked of the store. Null
   * when the store reports no opcounters.
   */
  storeOpsPerNeed: Record<string, number> | null;
}

export interface PipelineLoadResult {
  rate: number;
  seconds: number;
  instancesPerService: Record<string, number>;
  chain: ChainResult;
  services: ServiceLoadResult;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

/** Latencies with the missing ones as Infinity (they count against the percentiles). */
function withMissing(values: number[], missing: number): LatencySummary & { missing: number } {
  return { ...summarize([...values, ...Array.from({ length: missing }, () => Infinity)]), missing };
}

/** Runs `send(i)` on the open-loop schedule without waiting for answers; resolves once all have answered. */
async function offer(rate: number, seconds: number, send: (i: number) => Promise<void>, onLastSent?: () => void): Promise<{ offered: number; behindMaxMs: number; maxInFlight: number }> {
  const schedule = openLoopSchedule(rate, seconds);
  const pending: Promise<void>[] = [];
  let behindMaxMs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const t0 = performance.now() + 20;
  for (let i = 0; i < schedule.length; i++) {
    const target = t0 + schedule[i];
    const wait = target - performance.now();
    if (wait >= 1) await sleep(wait);
    behindMaxMs = Math.max(behindMaxMs, performance.now() - target);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    pending.push(send(i).finally(() => inFlight--));
  }
  onLastSent?.();
  await Promise.all(pending);
  return { offered: schedule.length, behindMaxMs: Math.round(behindMaxMs * 10) / 10, maxInFlight };
}

async function joinedConsumer(kafka: Kafka, groupId: string, topics: string[], fromBeginning: boolean, eachMessage: (topic: string, m: KafkaMessage) => Promise<void>, concurrency = 1): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning });
  await consumer.run({ partitionsConsumedConcurrently: concurrency, eachMessage: ({ topic, message }) => eachMessage(topic, message) });
  await joined;
  return consumer;
}

/** The raw produce → consume → insert → produce → consume chain, offered `rate` messages/s for `seconds` s. */
export async function rawChain(system: TestSystem, rate: number, seconds: number, drainTimeoutMs: number): Promise<ChainResult> {
  const [a, b] = [system.topic('bench.chain-a'), system.topic('bench.chain-b')];
  await createTopics(system.kafka, [a, b]);
  const store = await mongo();
  const db = store.db(`t_${system.runId}_bench_chain`);
  const rows = db.collection<{ _id: string; at: Date }>('chain');
  const producerConfig = { idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner };
  const producer = system.kafka.producer(producerConfig);
  const relayProducer = system.kafka.producer(producerConfig);
  const sentAt = new Map<string, number>();
  const insertedAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const consumers: Consumer[] = [];
  try {
    await producer.connect();
    await relayProducer.connect();
    // The relay: as a service's consumer (3 partitions concurrently), one insert, then the next event.
    consumers.push(
      await joinedConsumer(
        system.kafka,
        `${system.runId}-chain-relay`,
        [a],
        true,
        async (_topic, m) => {
          const key = m.key!.toString();
          // Redelivered after a rebalance: the row is there, the event goes on again (first times kept).
          await rows.insertOne({ _id: key, at: new Date() }).catch((error: { code?: number }) => {
            if (error.code !== 11000) throw error;
          });
          if (!insertedAt.has(key)) insertedAt.set(key, Date.now());
          await relayProducer.send({ topic: b, acks: -1, messages: [{ key, value: m.value }] });
        },
        3,
      ),
    );
    consumers.push(
      await joinedConsumer(system.kafka, `${system.runId}-chain-sink`, [b], true, async (_topic, m) => {
        const key = m.key!.toString();
        if (!receivedAt.has(key)) receivedAt.set(key, Date.now());
      }),
    );
    // Warm-up: a few messages through the whole chain (producer ids, connections), not measured.
    say(`pipeline: raw chain joined; warming up`);
    for (let i = 0; i < 10; i++) await producer.send({ topic: a, acks: -1, messages: [{ key: `warm-${i}`, value: 'w' }] });
    if (!(await until(() => [...Array(10).keys()].every((i) => receivedAt.has(`warm-${i}`)), 60_000))) {
      throw new Error('the raw chain did not pass 10 warm-up messages within 60 s: the broker or the store is not answering');
    }
    say(`pipeline: raw chain, ${rate} msg/s for ${seconds} s`);
    const { offered, behindMaxMs } = await offer(rate, seconds, async (i) => {
      const key = `m-${i}`;
      sentAt.set(key, Date.now());
      await producer.send({ topic: a, acks: -1, messages: [{ key, value: JSON.stringify({ i }) }] });
    });
    await until(() => [...sentAt.keys()].every((k) => receivedAt.has(k)), drainTimeoutMs, 100);
    const full: number[] = [];
    const firstHop: number[] = [];
    for (const [key, sent] of sentAt) {
      if (receivedAt.has(key)) full.push(receivedAt.get(key)! - sent);
      if (insertedAt.has(key)) firstHop.push(insertedAt.get(key)! - sent);
    }
    return {
      what: 'raw kafkajs in the benchmark process: open-loop produce (acks all, idempotent) → consumer (3 partitions concurrently) inserts into MongoDB → produce → consumer receives; latency from before the first send to the receipt',
      offered,
      received: full.length,
      scheduleBehindMaxMs: behindMaxMs,
      full: withMissing(full, offered - full.length),
      firstHop: withMissing(firstHop, offered - firstHop.length),
    };
  } finally {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await relayProducer.disconnect().catch(() => undefined);
    await deleteTopics(system.kafka, [a, b]);
    const admin = system.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([`${system.runId}-chain-relay`, `${system.runId}-chain-sink`]).catch(() => undefined);
    await admin.disconnect();
    await db.dropDatabase().catch(() => undefined);
  }
}

/** Every service group's lag, polled from the end of the load until all are at 0 (or the timeout). */
async function pollLag(system: TestSystem, from: number, timeoutMs: number, stopped: () => boolean): Promise<LagResult> {
  const groups = SERVICE_NAMES.map((name) => ({ name, group: system.group(name), topics: topicsConsumedBy(name).map((t) => system.topic(t)) }));
  const admin = system.kafka.admin();
  await admin.connect();
  const series: { atMs: number; total: number }[] = [];
  let atLoadEnd: Record<string, number> | undefined;
  let backToZeroMs: number | null = null;
  try {
    while (Date.now() - from <= timeoutMs && !stopped()) {
      const byService: Record<string, number> = {};
      for (const g of groups) byService[g.name] = await groupLag(admin, g.group, g.topics);
      const total = Object.values(byService).reduce((s, n) => s + n, 0);
      const atMs = Date.now() - from;
      atLoadEnd ??= byService;
      series.push({ atMs, total });
      if (total === 0) {
        backToZeroMs = atMs;
        break;
      }
      await sleep(250);
    }
  } finally {
    await admin.disconnect();
  }
  return { atLoadEnd: atLoadEnd ?? {}, backToZeroMs, maxTotalLag: Math.max(0, ...series.map((s) => s.total)), polls: series.length, series };
}

/** RSS and heap of each instance, from its /metrics (prom-client's process metrics). */
async function memoryOf(system: TestSystem): Promise<ServiceLoadResult['memoryPerInstance']> {
  const rows: ServiceLoadResult['memoryPerInstance'] = [];
  for (const p of Object.values(system.instances).flat()) {
    const text = await fetch(`${p.url}/metrics`, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.text(),
      () => '',
    );
    const metric = (name: string) => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return match ? Math.round(Number(match[1]) / 2 ** 20) : null;
    };
    rows.push({ instance: p.instanceName, rssMiB: metric('process_resident_memory_bytes'), heapUsedMiB: metric('nodejs_heap_size_used_bytes') });
  }
  return rows;
}

export async function serviceLoad(system: TestSystem, { rate, seconds, dealEvery, drainTimeoutMs, lagTimeoutMs }: PipelineLoadOptions): Promise<ServiceLoadResult> {
  const park = `park-bench-load-${system.runId}`;
  const token = await brokerToken(park);
  const matching = system.api('matching', token);
  const contracts = system.api('contract-tracking', token);
  const enterpriseId = await createEnterprise(system.api('intake', token));
  const intakeUrls = system.instances.intake.map((p) => p.url);

  const capturedAt = new Map<string, number>();
  const proposedAt = new Map<string, number>();
  const proposalOf = new Map<string, string | undefined>();
  const sampled = new Set<string>();
  const accepted = new Set<string>();
  const registered = new Set<string>();
  const opened = new Set<string>();
  const steps: Promise<void>[] = [];
  const stepErrors: string[] = [];
  const step = (what: string, work: () => Promise<void>) =>
    steps.push(
      work().catch((error: Error) => {
        if (stepErrors.length < 20) stepErrors.push(`${what}: ${error.message}`);
      }),
    );
  const expect2xx = (what: string, res: { status: number; body: unknown }) => {
    if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  };
  const maybeAccept = (needId: string) => {
    const proposalId = proposalOf.get(needId);
    if (!sampled.has(needId) || !proposalId || accepted.has(needId)) return;
    accepted.add(needId);
    step(`accept ${needId}`, async () => expect2xx('accept', await matching.post(`/proposals/${proposalId}/accept`)));
  };

  let n = 0;
  const watcher = await joinedConsumer(
    system.kafka,
    `${system.runId}-bench-watch`,
    [TOPICS.need, TOPICS.match, TOPICS.deal].map((t) => system.topic(t)),
    false,
    async (_topic, m) => {
      const at = Date.now();
      const type = header(m, 'ce_type');
      if (type !== 'cn.techtransfer.need.captured.v1' && type !== 'cn.techtransfer.match.proposed.v1' && type !== 'cn.techtransfer.deal.opened.v1') return;
      const data = JSON.parse(m.value!.toString('utf8'));
      if (data.parkId !== park) return;
      if (type === 'cn.techtransfer.need.captured.v1') {
        if (!capturedAt.has(data.needId)) capturedAt.set(data.needId, Date.parse(header(m, 'ce_time')!));
      } else if (type === 'cn.techtransfer.match.proposed.v1') {
        if (proposedAt.has(data.needId)) return;
        proposedAt.set(data.needId, at);
        proposalOf.set(data.needId, data.proposals?.[0]?.proposalId);
        maybeAccept(data.needId);
      } else if (sampled.has(data.needId) && !opened.has(data.dealId)) {
        opened.add(data.dealId); // once, whatever the redeliveries
        const k = n++;
        step(`sign and register ${data.dealId}`, async () => {
          expect2xx('sign', await contracts.post(`/deals/${data.dealId}/sign`, signature(1_000_000 + k, 900_000)));
          expect2xx('register', await contracts.post(`/deals/${data.dealId}/register`, registration()));
          registered.add(data.needId);
        });
      }
    },
  );
  const needIds: string[] = [];
  const answered: Record<string, number> = {};
  const httpLatencies: number[] = [];
  let lastSentAt = 0;
  let lag: Promise<LagResult> | undefined;
  let loadDone = false;
  try {
    await sleep(1_000);
    const opsBefore = await storeOpcounters();
    say(`pipeline: services, ${rate} needs/s for ${seconds} s through intake (${intakeUrls.length} instances); broker steps for every ${dealEvery}th need`);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const load = await offer(
      rate,
      seconds,
      async (i) => {
        const started = performance.now();
        let status = 'error';
        try {
          const res = await fetch(`${intakeUrls[i % intakeUrls.length]}/needs`, {
            method: 'POST',
            headers,
            body: JSON.stringify(chipNeed(enterpriseId, { title: `低功耗芯片设计需求 负载 #${i}` })),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          status = String(res.status);
          if (res.status === 201) {
            httpLatencies.push(performance.now() - started);
            const needId = JSON.parse(text).id as string;
            needIds.push(needId);
            if (i % dealEvery === 0) {
              sampled.add(needId);
              maybeAccept(needId);
            }
          }
        } catch (error) {
          status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
        }
        answered[status] = (answered[status] ?? 0) + 1;
      },
      () => {
        lastSentAt = Date.now();
        lag = pollLag(system, lastSentAt, lagTimeoutMs, () => loadDone);
      },
    );
    const lagResult = await lag!;
    say(`pipeline: load offered (${load.offered} needs, answers ${JSON.stringify(answered)}); lag back to 0 after ${lagResult.backToZeroMs ?? `more than ${lagTimeoutMs}`} ms; draining`);

    // The last proposals, and the sample's contracts through to reporting: one deadline for all of it.
    const drainDeadline = Date.now() + drainTimeoutMs;
    const left = () => Math.max(0, drainDeadline - Date.now());
    await until(() => needIds.every((id) => proposedAt.has(id)), left(), 250);
    await until(() => [...sampled].every((id) => registered.has(id) || (proposedAt.has(id) && !proposalOf.get(id))) || stepErrors.length > 0, left(), 250);
    await Promise.race([Promise.all(steps), sleep(left())]);
    const rows = await transactionRows(system, park, registered.size, left());
    loadDone = true;
    const opsAfter = await storeOpcounters();
    const storeOpsPerNeed = opsBefore && opsAfter ? opsPer(opsBefore, opsAfter, load.offered) : null;
    if (storeOpsPerNeed) say(`pipeline: store operations per need offered: ${JSON.stringify(storeOpsPerNeed)}`);

    const toProposed = needIds.filter((id) => capturedAt.has(id) && proposedAt.has(id)).map((id) => proposedAt.get(id)! - capturedAt.get(id)!);
    const registeredToTotals = rows.map((r) => new Date(r.recordedAt).getTime() - new Date(r.loggedAt).getTime());
    return {
      offered: load.offered,
      answered,
      scheduleBehindMaxMs: load.behindMaxMs,
      maxInFlight: load.maxInFlight,
      postNeeds: summarize(httpLatencies),
      sample: {
        every: dealEvery,
        sampled: sampled.size,
        accepted: accepted.size,
        registered: registered.size,
        withoutProposal: [...sampled].filter((id) => proposedAt.has(id) && !proposalOf.get(id)).length,
        stepErrors,
      },
      needCapturedToMatchProposed: withMissing(toProposed, needIds.length - toProposed.length),
      contractRegisteredToTotalsUpdated: withMissing(registeredToTotals, Math.max(0, registered.size - rows.length)),
      lag: lagResult,
      memoryPerInstance: await memoryOf(system),
      storeOpsPerNeed,
    };
  } finally {
    loadDone = true;
    await watcher.disconnect().catch(() => undefined);
    const admin = system.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([`${system.runId}-bench-watch`]).catch(() => undefined);
    await admin.disconnect();
  }
}

export async function benchPipelineLoad(system: TestSystem, options: PipelineLoadOptions): Promise<PipelineLoadResult> {
  const chain = await rawChain(system, options.rate, options.seconds, options.drainTimeoutMs);
  say(`pipeline: raw chain p50 ${chain.full.p50Ms} ms, p99 ${chain.full.p99Ms} ms`);
  const services = await serviceLoad(system, options);
  return {
    rate: options.rate,
    seconds: options.seconds,
    instancesPerService: Object.fromEntries(Object.entries(system.instances).map(([name, list]) => [name, list.length])),
    chain,
    services,
  };
}
