import { Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS, deadLetterTopicOf, EVENT_CATALOG, EVENT_TYPES, NeedCapturedV1, TOPICS, type PayloadOf } from '@tt/contracts';
import { eventually, KafkaProbe, waitForGroupCatchUp } from '@tt/testing';
import { encodeCloudEvent } from '../cloud-event.codec';
import { createKafka, wireTopic } from '../kafka/kafka-client';
import { KafkaEventTransport } from '../consumer/kafka-event.transport';
import { MongoProcessedEventStore } from '../consumer/processed-event.store';
import { EventConsumer } from '../consumer/rethrow-event-errors.filter';
import { replayDeadLetters, replayGroupOf, type ReplaySummary } from './replay';

/** The scripted handlers take need captured; the need topic's other events are not theirs. */
const OTHER_NEED_EVENTS = EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === TOPICS.need && t !== 'cn.techtransfer.need.captured.v1');

type Need = PayloadOf<typeof NeedCapturedV1.type>;

/** `<consumer>:<needId>` for every need a handler handled (once per line), and which ones fail for now. */
const handled: string[] = [];
const failing = new Set<string>();

async function onNeed(consumer: 'a' | 'b', need: Need): Promise<void> {
  if (failing.has(`${consumer}:${need.needId}`)) throw new Error(`bug in ${consumer} for ${need.needId}`);
  handled.push(`${consumer}:${need.needId}`);
}

@EventConsumer()
class ConsumerA {
  @EventPattern(NeedCapturedV1.type)
  onNeed(@Payload() need: Need) {
    return onNeed('a', need);
  }
}

@EventConsumer()
class ConsumerB {
  @EventPattern(NeedCapturedV1.type)
  onNeed(@Payload() need: Need) {
    return onNeed('b', need);
  }
}

@Module({ controllers: [ConsumerA] })
class ModuleA {}

@Module({ controllers: [ConsumerB] })
class ModuleB {}

/**
 * Dead letters replayed after the fix, on the real Kafka and MongoDB-wire server: two consumer groups
 * of the need topic (A and B, as matching and reporting are), each failing on one event until "the
 * fix"; a replay hands each event to its group exactly once, a second replay replays nothing, and an
 * event replayed again (another filter, a crashed replay) is dropped as a duplicate by every group.
 */
describe('replayDeadLetters', () => {
  const namespace = `int.${Date.now().toString(36)}${randomUUID().slice(0, 4)}.`;
  const groupA = `replay-int-a-${randomUUID()}`;
  const groupB = `replay-int-b-${randomUUID()}`;
  const kafka: Kafka = createKafka('replay-int');
  let connection: Connection;
  const apps: INestMicroservice[] = [];
  let dlq: KafkaProbe;
  let source: KafkaProbe;
  let needTopic: string;
  let dlqTopic: string;

  const start = async (module: Type<unknown>, groupId: string) => {
    const transport = new KafkaEventTransport({
      kafka,
      groupId,
      processedEvents: new MongoProcessedEventStore(connection),
      subscription: { handles: [NeedCapturedV1.type], ignores: OTHER_NEED_EVENTS },
      maxAttempts: 2,
      retryBackoffMs: 50,
    });
    const app = await NestFactory.createMicroservice(module, { strategy: transport, logger: false });
    await app.listen();
    apps.push(app);
    await eventually(async () => transport.isReady, Boolean, { what: `${groupId} to join its group` });
  };

  /** Both groups have committed everything on the need topic up to now: every effect is stored. */
  const settled = () => Promise.all([groupA, groupB].map((g) => waitForGroupCatchUp(kafka, g, [needTopic], { timeoutMs: 60_000 })));
  const count = (entry: string) => handled.filter((h) => h === entry).length;
  const replay = (consumerGroup?: string, dryRun = false) =>
    replayDeadLetters({ kafka, topic: TOPICS.need, consumerGroup, dryRun, idleTimeoutMs: 20_000 });

  beforeAll(async () => {
    process.env.KAFKA_TOPIC_NAMESPACE = namespace;
    needTopic = wireTopic(TOPICS.need);
    dlqTopic = deadLetterTopicOf(needTopic);
    connection = await mongoose
      .createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName: `int_replay_${Date.now().toString(36)}` })
      .asPromise();
    await start(ModuleA, groupA);
    await start(ModuleB, groupB);
    dlq = await KafkaProbe.start(kafka, [dlqTopic]);
    source = await KafkaProbe.start(kafka, [needTopic]);
  });

  afterAll(async () => {
    await dlq?.stop();
    await source?.stop();
    for (const app of apps) await app.close();
    await connection?.dropDatabase();
    await connection?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS].map(wireTopic) }).catch(() => undefined);
    await admin.deleteGroups([groupA, groupB, replayGroupOf(needTopic), replayGroupOf(needTopic, groupA)]).catch(() => undefined);
    await admin.disconnect();
    delete process.env.KAFKA_TOPIC_NAMESPACE;
  });

  const need = (needId: string): Need => ({
    needId,
    enterpriseId: 'e-1',
    enterpriseName: '测试企业',
    parkId: 'park-int',
    brokerId: 'b-1',
    regionCode: '320506',
    title: '重放死信测试',
    description: '集成测试',
    category: 'tech-breakthrough',
    technicalField: 'new-materials',
    keywords: [],
    cooperationModes: ['joint-development'],
    confidentiality: 'public',
    capturedAt: new Date().toISOString(),
  });
  const record = (id: string, data: Need) =>
    encodeCloudEvent({ id, type: NeedCapturedV1.type, source: '/techtransfer/intake', subject: data.needId, time: new Date().toISOString(), traceparent: '', data });

  const x = randomUUID(); // A fails on it, B handles it
  const y = randomUUID(); // B fails on it, A handles it
  const xId = randomUUID();
  const yId = randomUUID();
  const poisonKey = `poison-${randomUUID()}`; // no CloudEvents envelope: both groups dead-letter it at once

  it('dead-letters what the bug breaks, and only that', async () => {
    failing.add(`a:${x}`);
    failing.add(`b:${y}`);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: needTopic, messages: [record(xId, need(x)), record(yId, need(y)), { key: poisonKey, value: '{"not":"an event"}' }] });
    await producer.disconnect();

    const letters = await eventually(async () => dlq.records, (r) => r.length >= 4, { what: 'four dead letters' });
    await settled();
    expect(letters.map((r) => `${r.headers.dlq_consumer_group === groupA ? 'a' : 'b'}:${r.key}:${r.headers.dlq_reason}`).sort()).toEqual(
      [`a:${x}:handler-failed`, `b:${y}:handler-failed`, `a:${poisonKey}:invalid-envelope`, `b:${poisonKey}:invalid-envelope`].sort(),
    );
    expect(handled.filter((h) => h.endsWith(x) || h.endsWith(y)).sort()).toEqual([`a:${y}`, `b:${x}`].sort());
  });

  it('a dry run reports what it would replay and changes nothing', async () => {
    failing.clear(); // the fix is deployed
    const expected: Partial<ReplaySummary> = {
      dryRun: true,
      replayGroup: replayGroupOf(needTopic, groupA),
      scanned: 4,
      replayed: 1,
      replayedByReason: { 'handler-failed': 1 },
      skipped: 3,
      skippedByReason: { 'other-consumer-group': 2, 'unreplayable:invalid-envelope': 1 },
      unfinishedPartitions: [],
    };
    expect(await replay(groupA, true)).toMatchObject(expected);
    expect(await replay(groupA, true)).toMatchObject(expected); // nothing was committed
    await new Promise((r) => setTimeout(r, 1_000));
    expect(source.records.filter((r) => r.headers.replayed_from)).toHaveLength(0);
    expect(count(`a:${x}`)).toBe(0);
  });

  it("replays one group's letters after the fix: handled exactly once, and a second run replays nothing", async () => {
    const first = await replay(groupA);
    expect(first).toMatchObject({
      dryRun: false,
      scanned: 4,
      replayed: 1,
      replayedByReason: { 'handler-failed': 1 },
      skippedByReason: { 'other-consumer-group': 2, 'unreplayable:invalid-envelope': 1 },
    });
    await settled();
    expect(count(`a:${x}`)).toBe(1);
    expect(count(`b:${x}`)).toBe(1); // B had handled it: the replay's same ce_id is a duplicate for B
    expect(count(`b:${y}`)).toBe(0); // B's letter was not selected

    // What went back on the topic is the original event: same key, value and ce_id, no dlq_* headers.
    const [replayed] = source.records.filter((r) => r.headers.replayed_from);
    const original = source.records.find((r) => r.headers.ce_id === xId && !r.headers.replayed_from)!;
    expect(replayed).toMatchObject({ key: x, value: original.value });
    expect(replayed.headers).toMatchObject({ ...original.headers, replayed_from: expect.stringMatching(new RegExp(`^${dlqTopic.replace(/\./g, '\\.')}\\[\\d+\\]@\\d+$`)) });
    expect(Object.keys(replayed.headers).filter((h) => h.startsWith('dlq_'))).toEqual([]);

    const second = await replay(groupA);
    expect(second).toMatchObject({ scanned: 0, replayed: 0, skipped: 0 });
    await settled();
    expect(count(`a:${x}`)).toBe(1);
  });

  it('an unfiltered replay keeps its own position: B gets its event, and events handled before are not handled twice', async () => {
    const all = await replay();
    expect(all).toMatchObject({
      replayGroup: replayGroupOf(needTopic),
      scanned: 4,
      replayed: 2, // x again (A's letter: already handled by both) and y
      replayedByReason: { 'handler-failed': 2 },
      skippedByReason: { 'unreplayable:invalid-envelope': 2 },
    });
    await settled();
    expect([count(`a:${x}`), count(`b:${x}`), count(`a:${y}`), count(`b:${y}`)]).toEqual([1, 1, 1, 1]);
    expect(await replay()).toMatchObject({ scanned: 0, replayed: 0 });
  });

  it('a replay that crashed after publishing and before committing publishes again, and nobody handles it twice', async () => {
    // The same letter read again, as after a crash between the republish and the commit.
    const letter = dlq.records.find((r) => r.key === x)!;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: dlqTopic, messages: [{ key: letter.key, value: letter.value, headers: letter.headers as Record<string, string> }] });
    await producer.disconnect();

    expect(await replay()).toMatchObject({ scanned: 1, replayed: 1 });
    await settled();
    await new Promise((r) => setTimeout(r, 1_000)); // room for a wrong second handling to show up
    expect([count(`a:${x}`), count(`b:${x}`), count(`a:${y}`), count(`b:${y}`)]).toEqual([1, 1, 1, 1]);
    expect(await replay()).toMatchObject({ scanned: 0, replayed: 0 });
  });
});
