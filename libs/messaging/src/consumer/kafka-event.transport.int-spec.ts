import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { deadLetterTopicOf, EVENT_CATALOG, EVENT_EXAMPLES, EVENT_SOURCES, EVENT_TYPES, NeedCapturedV1, NeedWithdrawnV1, TOPICS, type PayloadOf } from '@tt/contracts';
import { KafkaProbe, eventually } from '@tt/testing';
import { encodeCloudEvent } from '../cloud-event.codec';
import { createKafka, wireTopic } from '../kafka/kafka-client';
import { EventContext } from './event-context';
import { KafkaEventTransport } from './kafka-event.transport';
import { DEDUPED_BY_EFFECT, MongoProcessedEventStore } from './processed-event.store';
import { EventConsumer } from './rethrow-event-errors.filter';
import { EventRejectedError } from '../errors';

/** The scripted handlers take need captured and need withdrawn; the need topic's other events are not theirs. */
const HANDLED_TYPES = [NeedCapturedV1.type, NeedWithdrawnV1.type];
const OTHER_NEED_EVENTS = EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === TOPICS.need && !(HANDLED_TYPES as string[]).includes(t));

/** The real store, and every event id the transport looked up in it. */
class WatchedProcessedEventStore extends MongoProcessedEventStore {
  readonly lookedUp: string[] = [];
  override async seen(consumerGroup: string, eventIds: string[]): Promise<Set<string>> {
    this.lookedUp.push(...eventIds);
    return super.seen(consumerGroup, eventIds);
  }
}

/** What the test handler saw; its behaviour is chosen by the need's title. */
const handled: { needId: string; attempt: number }[] = [];
/** The needs whose withdrawal the (deduped by effect) handler saw, once per run. */
const withdrawals: string[] = [];
/** When handlers of 'ordered …' needs started and ended, in the order it happened. */
const timeline: string[] = [];

@EventConsumer()
class ScriptedConsumer {
  @EventPattern(NeedCapturedV1.type)
  async onNeed(@Payload() need: PayloadOf<typeof NeedCapturedV1.type>, @Ctx() ctx: EventContext) {
    if (need.title === 'always fails') throw new Error('downstream unavailable');
    if (need.title === 'can never apply') throw new EventRejectedError('this need contradicts what is known');
    if (need.title === 'store away' && ctx.delivery.attempt <= 8) {
      // What the MongoDB driver throws while the server is unreachable: retried beyond maxAttempts.
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27018'), { name: 'MongoNetworkError' });
    }
    if (need.title === 'fails twice' && ctx.delivery.attempt <= 2) throw new Error(`transient failure ${ctx.delivery.attempt}`);
    if (need.title.startsWith('ordered ')) {
      const name = need.title.slice('ordered '.length);
      timeline.push(`start ${name}`);
      if (name.endsWith('slow')) await new Promise((r) => setTimeout(r, 400));
      timeline.push(`end ${name}`);
    }
    handled.push({ needId: need.needId, attempt: ctx.delivery.attempt });
  }

  @EventPattern(NeedWithdrawnV1.type, DEDUPED_BY_EFFECT)
  async onWithdrawn(@Payload() e: PayloadOf<typeof NeedWithdrawnV1.type>) {
    withdrawals.push(e.needId);
  }
}

@Module({ controllers: [ScriptedConsumer] })
class ScriptedModule {}

/** KafkaEventTransport on the real Kafka and MongoDB-wire server: retries, dead-lettering, dedupe, commits. */
describe(KafkaEventTransport.name, () => {
  const namespace = `int.${Date.now().toString(36)}.`;
  const groupId = `transport-int-${randomUUID()}`;
  const kafka = createKafka('transport-int');
  let connection: Connection;
  let app: INestMicroservice | undefined;
  let dlq: KafkaProbe;
  let processedEvents: WatchedProcessedEventStore;

  const start = async () => {
    processedEvents = new WatchedProcessedEventStore(connection);
    const transport = new KafkaEventTransport({
      kafka,
      groupId,
      processedEvents,
      subscription: { handles: HANDLED_TYPES, ignores: OTHER_NEED_EVENTS },
      maxAttempts: 3,
      retryBackoffMs: 50,
      keysConcurrently: 8, // as the default; 'handles one key in offset order…' needs more than 1
    });
    app = await NestFactory.createMicroservice(ScriptedModule, { strategy: transport, logger: false });
    await app.listen();
    await eventually(async () => transport.isReady, Boolean, { what: 'the consumer to join its group' });
  };

  beforeAll(async () => {
    process.env.KAFKA_TOPIC_NAMESPACE = namespace;
    connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName: `int_${Date.now().toString(36)}` }).asPromise();
    await start();
    dlq = await KafkaProbe.start(kafka, [wireTopic(deadLetterTopicOf(TOPICS.need))]);
  });

  afterAll(async () => {
    await dlq?.stop();
    await app?.close();
    await connection?.dropDatabase();
    await connection?.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPICS.need, deadLetterTopicOf(TOPICS.need), TOPICS.match, deadLetterTopicOf(TOPICS.match), TOPICS.deal, deadLetterTopicOf(TOPICS.deal)].map(wireTopic) }).catch(() => undefined);
    await admin.disconnect();
    delete process.env.KAFKA_TOPIC_NAMESPACE;
  });

  const need = (needId: string, title: string): PayloadOf<typeof NeedCapturedV1.type> => ({
    needId,
    enterpriseId: 'e-1',
    enterpriseName: '测试企业',
    parkId: 'park-int',
    brokerId: 'b-1',
    regionCode: '320506',
    title,
    description: '集成测试',
    category: 'tech-breakthrough',
    technicalField: 'new-materials',
    keywords: [],
    cooperationModes: ['joint-development'],
    confidentiality: 'public',
    capturedAt: new Date().toISOString(),
  });
  const record = (id: string, data: PayloadOf<typeof NeedCapturedV1.type>, key: string, source: string = EVENT_SOURCES.intake) =>
    encodeCloudEvent({ id, type: NeedCapturedV1.type, source, subject: key, time: new Date().toISOString(), traceparent: '', data });

  it('retries, dead-letters after bounded attempts, moves on, and handles a duplicate once', async () => {
    const key = randomUUID(); // one key: one partition, in this order
    const [failing, ok, flaky] = [randomUUID(), randomUUID(), randomUUID()];
    const okId = randomUUID();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: wireTopic(TOPICS.need),
      messages: [
        record(randomUUID(), need(failing, 'always fails'), key),
        record(okId, need(ok, 'works'), key),
        record(okId, need(ok, 'works'), key), // the same event delivered again
        record(randomUUID(), need(flaky, 'fails twice'), key),
      ],
    });
    await producer.disconnect();

    await eventually(async () => handled.filter((h) => h.needId === ok || h.needId === flaky), (h) => h.length >= 2, { what: 'the good events' });
    const parked = await eventually(async () => dlq.records.filter((r) => r.key === key), (r) => r.length >= 1, { what: 'the dead letter' });
    expect(parked).toHaveLength(1);
    expect(parked[0].headers).toMatchObject({ dlq_reason: 'handler-failed', dlq_error: 'downstream unavailable', dlq_consumer_group: groupId });
    expect(JSON.parse(parked[0].value!).needId).toBe(failing);
    await new Promise((r) => setTimeout(r, 1_000)); // room for a wrong second delivery to show up
    expect(handled.filter((h) => h.needId === ok)).toEqual([{ needId: ok, attempt: 1 }]);
    expect(handled.filter((h) => h.needId === flaky)).toEqual([{ needId: flaky, attempt: 3 }]);
  });

  it('neither looks up nor records the events of a handler deduped by its effect or of an ignored type, and still looks up and records the others', async () => {
    const key = randomUUID();
    const [capturedId, withdrawnId, ignoredId] = [randomUUID(), randomUUID(), randomUUID()];
    const ignoredType = OTHER_NEED_EVENTS[0];
    const ignored = encodeCloudEvent({
      id: ignoredId,
      type: ignoredType,
      source: EVENT_SOURCES.intake,
      subject: key,
      time: new Date().toISOString(),
      traceparent: '',
      data: { ...EVENT_EXAMPLES[ignoredType], needId: key },
    });
    const withdrawn = encodeCloudEvent({
      id: withdrawnId,
      type: NeedWithdrawnV1.type,
      source: EVENT_SOURCES.intake,
      subject: key,
      time: new Date().toISOString(),
      traceparent: '',
      data: { ...EVENT_EXAMPLES[NeedWithdrawnV1.type], needId: key },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: wireTopic(TOPICS.need), messages: [ignored, record(capturedId, need(key, 'works'), key), withdrawn] });
    await eventually(async () => withdrawals.filter((id) => id === key), (w) => w.length === 1, { what: 'the withdrawal' });
    const processed = connection.collection('processed_events');
    await eventually(async () => processed.countDocuments({ _id: `${groupId}/${capturedId}` as never }), (n) => n === 1, { what: 'the captured event recorded' });
    expect(await processed.countDocuments({ _id: `${groupId}/${withdrawnId}` as never })).toBe(0);
    expect(await processed.countDocuments({ _id: `${groupId}/${ignoredId}` as never })).toBe(0);
    expect(processedEvents.lookedUp).toContain(capturedId);
    expect(processedEvents.lookedUp).not.toContain(withdrawnId);
    expect(processedEvents.lookedUp).not.toContain(ignoredId);
    // Delivered again later (the same id): its handler runs again, as its own write is what dedupes it.
    await producer.send({ topic: wireTopic(TOPICS.need), messages: [withdrawn] });
    await producer.disconnect();
    await eventually(async () => withdrawals.filter((id) => id === key), (w) => w.length === 2, { what: 'the withdrawal, handled again' });
    expect(handled.filter((h) => h.needId === key)).toHaveLength(1);
  });

  it('handles one key in offset order, and other keys of the same partition meanwhile', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const names = ['a1 slow', 'b1', 'a2', 'b2 slow', 'a3', 'b3'];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: wireTopic(TOPICS.need),
      // One partition, two keys interleaved: Kafka orders the records of each key, nothing across them.
      messages: names.map((name) => ({ ...record(randomUUID(), need(randomUUID(), `ordered ${name}`), name.startsWith('a') ? a : b), partition: 0 })),
    });
    await producer.disconnect();

    await eventually(async () => timeline.filter((t) => t.startsWith('end ')), (ended) => ended.length >= names.length, { what: 'every ordered record handled' });
    const of = (key: string) => timeline.filter((t) => t.split(' ')[1].startsWith(key));
    // Each key: one record at a time, in offset order.
    expect(of('a')).toEqual(['start a1 slow', 'end a1 slow', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(of('b')).toEqual(['start b1', 'end b1', 'start b2 slow', 'end b2 slow', 'start b3', 'end b3']);
    // The other key did not wait for the slow record: b1 was handled while a1 was still under way.
    expect(timeline.indexOf('end b1')).toBeLessThan(timeline.indexOf('end a1 slow'));
  });

  it('waits out an unreachable store without dead-lettering; dead-letters a rejected or forged event at once', async () => {
    const key = randomUUID();
    const [waits, rejected, forged, after] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: wireTopic(TOPICS.need),
      messages: [
        record(randomUUID(), need(waits, 'store away'), key),
        record(randomUUID(), need(rejected, 'can never apply'), key),
        record(randomUUID(), need(forged, 'works'), key, EVENT_SOURCES.matching), // need events belong to intake
        // A type of the match topic, from its owner, but on the need topic: never where its owner writes it.
        encodeCloudEvent({
          id: randomUUID(),
          type: 'cn.techtransfer.match.proposed.v1',
          source: EVENT_SOURCES.matching,
          subject: key,
          time: new Date().toISOString(),
          traceparent: '',
          data: EVENT_EXAMPLES['cn.techtransfer.match.proposed.v1'],
        }),
        record(randomUUID(), need(after, 'works'), key),
      ],
    });
    await producer.disconnect();

    await eventually(async () => handled.filter((h) => h.needId === after), (h) => h.length === 1, { what: 'the event behind them' });
    // Retried 8 times (maxAttempts is 3) because the failure was the store's, then handled.
    expect(handled.filter((h) => h.needId === waits)).toEqual([{ needId: waits, attempt: 9 }]);
    const parked = await eventually(async () => dlq.records.filter((r) => r.key === key), (r) => r.length >= 3, { what: 'three dead letters' });
    expect(parked.map((r) => [JSON.parse(r.value!).needId, r.headers.dlq_reason])).toEqual([
      [rejected, 'rejected'],
      [forged, 'untrusted-source'],
      [EVENT_EXAMPLES['cn.techtransfer.match.proposed.v1'].needId, 'wrong-topic'],
    ]);
    expect(parked[2].headers.dlq_error).toContain(`belongs on ${wireTopic(TOPICS.match)}`);
    expect(parked[0].headers.dlq_error).toBe('this need contradicts what is known');
    expect(parked[1].headers.dlq_error).toContain('must come from /techtransfer/intake');
    expect(handled.filter((h) => h.needId === rejected || h.needId === forged)).toEqual([]);
  });

  it('commits only handled offsets, so a restarted consumer does not see them again', async () => {
    const before = handled.length;
    await app!.close();
    await start();
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [wireTopic(TOPICS.need)] });
    const ends = await admin.fetchTopicOffsets(wireTopic(TOPICS.need));
    await admin.disconnect();
    const byPartition = new Map(committed[0].partitions.map((p) => [p.partition, p.offset]));
    for (const end of ends) {
      if (end.high !== '0') expect(byPartition.get(end.partition)).toBe(end.high);
    }
    await new Promise((r) => setTimeout(r, 2_000));
    expect(handled.length).toBe(before);
  });
});
