/**
 * `npm run bench:consume` (on demand, not part of `npm test`): how fast KafkaEventTransport consumes,
 * beside a raw kafkajs `eachBatch` loop doing the same writes, on the same broker and store, in one run.
 *
 * Both read BENCH_EVENTS (default 20,000) need-captured events from a fresh topic (3 partitions) and,
 * per event, upsert a need snapshot and record the event id as processed. The transport adds what it
 * is for: decoding and contract validation, the owner check, dedupe, the Nest handler pipeline, a span
 * and metrics, dead-lettering on failure, and commits only after the effect is stored.
 * Results (msg/s and the ratio) go to bench-results/consume-<timestamp>.json.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { EVENT_CATALOG, EVENT_EXAMPLES, EVENT_SOURCES, EVENT_TYPES, NeedCapturedV1, TOPICS, type PayloadOf } from '@tt/contracts';
import { encodeCloudEvent } from '../src/cloud-event.codec';
import { createKafka, wireTopic } from '../src/kafka/kafka-client';
import { KafkaEventTransport } from '../src/consumer/kafka-event.transport';
import { MongoProcessedEventStore } from '../src/consumer/processed-event.store';
import { EventConsumer } from '../src/consumer/rethrow-event-errors.filter';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const REPO_ROOT = join(__dirname, '../../..');
type Need = PayloadOf<typeof NeedCapturedV1.type>;

let snapshots: mongoose.Collection;
let consumed = 0;

/** The one write the benchmark's handler makes: the need's snapshot, idempotent on its id. */
const writeSnapshot = (need: Need) => snapshots.updateOne({ _id: need.needId as never }, { $setOnInsert: { ...need, revision: 0 } }, { upsert: true });

@EventConsumer()
class BenchConsumer {
  @EventPattern(NeedCapturedV1.type)
  async onNeed(@Payload() need: Need) {
    await writeSnapshot(need);
    consumed++;
  }
}
@Module({ controllers: [BenchConsumer] })
class BenchModule {}

async function fillTopic(kafka: ReturnType<typeof createKafka>, topic: string): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const example = EVENT_EXAMPLES[NeedCapturedV1.type];
  for (let start = 0; start < EVENTS; start += 1_000) {
    const messages = Array.from({ length: Math.min(1_000, EVENTS - start) }, (_, i) => {
      const needId = `need-${start + i}-${randomUUID().slice(0, 8)}`;
      const data = { ...example, needId, title: `${example.title} ${start + i}` };
      return { ...encodeCloudEvent({ id: randomUUID(), type: NeedCapturedV1.type, source: EVENT_SOURCES.intake, subject: needId, time: new Date().toISOString(), traceparent: '', data }), key: needId };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

async function until(done: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rawEachBatch(kafka: ReturnType<typeof createKafka>, topic: string, db: Connection): Promise<number> {
  const processed = db.collection('raw_processed_events');
  let seen = 0;
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const started = Date.now();
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const message of batch.messages) {
        const data = JSON.parse(message.value!.toString()) as Need;
        await writeSnapshot(data);
        resolveOffset(message.offset);
        seen++;
      }
      await processed.insertMany(batch.messages.map((m) => ({ _id: `raw/${m.headers!.ce_id!.toString()}` as never, processedAt: new Date() })), { ordered: false });
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      await heartbeat();
    },
  });
  await until(() => seen >= EVENTS);
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return EVENTS / seconds;
}

async function transport(kafka: ReturnType<typeof createKafka>, db: Connection): Promise<number> {
  consumed = 0;
  const strategy = new KafkaEventTransport({
    kafka,
    groupId: `bench-transport-${randomUUID()}`,
    processedEvents: new MongoProcessedEventStore(db),
    subscription: { handles: [NeedCapturedV1.type], ignores: EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === TOPICS.need && t !== NeedCapturedV1.type) },
  });
  const app = await NestFactory.createMicroservice(BenchModule, { strategy, logger: ['error'] });
  const started = Date.now();
  await app.listen();
  await until(() => consumed >= EVENTS);
  const seconds = (Date.now() - started) / 1000;
  await app.close();
  return EVENTS / seconds;
}

async function main() {
  const namespace = `bench.${Date.now().toString(36)}.`;
  process.env.KAFKA_TOPIC_NAMESPACE = namespace;
  const kafka = createKafka('bench-consume');
  const topic = wireTopic(TOPICS.need);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  const db = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName: `bench_${Date.now().toString(36)}` }).asPromise();
  const loadBefore = loadavg();
  try {
    await fillTopic(kafka, topic);
    snapshots = db.collection('raw_snapshots');
    const raw = await rawEachBatch(kafka, topic, db);
    snapshots = db.collection('transport_snapshots');
    const ours = await transport(kafka, db);
    const result = {
      when: new Date().toISOString(),
      machine: { cores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), loadAvgBefore: loadBefore, loadAvgAfter: loadavg(), node: process.version },
      events: EVENTS,
      baselineRawEachBatchMsgPerSecond: Math.round(raw),
      transportMsgPerSecond: Math.round(ours),
      ratio: +(ours / raw).toFixed(2),
      goal: '≥ 0.8× the raw loop',
    };
    const dir = join(REPO_ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `consume-${result.when.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
