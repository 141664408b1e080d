import { randomUUID } from 'node:crypto';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { deadLetterTopicOf, TOPICS } from '@tt/contracts';
import { eventually, KafkaProbe } from '@tt/testing';
import { createKafka, wireTopic } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/ensure-topics';
import { OutboxEntrySchema, stageEvent, type OutboxEntry } from './outbox-entry';
import { OutboxRelay } from './outbox-relay';

/** The outbox on the real MongoDB-wire server and Kafka, across the two crashes that matter. */
describe(OutboxRelay.name, () => {
  const namespace = `int.outbox.${Date.now().toString(36)}.`;
  const kafka = createKafka('outbox-int');
  let connection: Connection;
  type DealDoc = { _id: string; status: string; outbox: OutboxEntry[] };
  let Deals: Model<DealDoc>;
  let probe: KafkaProbe;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

  beforeAll(async () => {
    process.env.KAFKA_TOPIC_NAMESPACE = namespace;
    connection = await mongoose
      .createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false', { dbName: `int_outbox_${Date.now().toString(36)}` })
      .asPromise();
    Deals = connection.model<DealDoc>('Deal', new Schema<DealDoc>({ _id: String, status: String, outbox: { type: [OutboxEntrySchema], default: [] } }));
    await ensureTopics(kafka);
    await producer.connect();
    probe = await KafkaProbe.start(kafka, [wireTopic(TOPICS.deal)]);
  });

  afterAll(async () => {
    await probe?.stop();
    await producer.disconnect();
    await connection?.dropDatabase();
    await connection?.close();
    const admin = kafka.admin();
    await admin.connect();
    const topics = [TOPICS.need, TOPICS.match, TOPICS.deal].flatMap((t) => [t, deadLetterTopicOf(t)]).map(wireTopic);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    delete process.env.KAFKA_TOPIC_NAMESPACE;
  });

  const registered = (dealId: string) =>
    stageEvent(
      'cn.techtransfer.contract.registered.v1',
      { dealId, needId: 'n-1', parkId: 'p-1', brokerId: 'b-1', enterpriseId: 'e-1', regionCode: '320506', technicalField: 'new-materials', registrationNumber: 'R-1', registeredOn: '2026-11-22', registeredAt: new Date().toISOString() },
      '/test/outbox',
    );

  it('publishes what a process wrote and then died before publishing', async () => {
    const dealId = randomUUID();
    // Staged a minute ago by a writer that died: older than the scan's grace period.
    const event = { ...registered(dealId), time: new Date(Date.now() - 60_000).toISOString() };
    await Deals.create({ _id: dealId, status: 'registered', outbox: [event] }); // the "crashed" writer never published
    const relay = new OutboxRelay(producer, [Deals], { pollIntervalMs: 60_000 });
    relay.start(); // a new process: its first pass scans every outbox
    const seen = await eventually(async () => probe.records.filter((r) => r.key === dealId), (r) => r.length === 1, { what: 'the event on Kafka' });
    expect(seen[0].headers.ce_id).toBe(event.id);
    await eventually(async () => (await Deals.findById(dealId).lean())?.outbox.length, (n) => n === 0, { what: 'the outbox to empty' });
    await relay.stop();
  });

  it('publishes again, with the same event id, when it died between publishing and removing', async () => {
    const dealId = randomUUID();
    const event = registered(dealId);
    await Deals.create({ _id: dealId, status: 'registered', outbox: [event] });
    // The first relay "dies" right after the publish: its removal never reaches the database.
    const dying = Object.create(Deals, { collection: { value: { name: Deals.collection.name, updateOne: async () => { throw new Error('killed'); } } } });
    await new OutboxRelay(producer, [dying]).drain().catch(() => undefined);
    expect((await Deals.findById(dealId).lean())?.outbox).toHaveLength(1);
    await new OutboxRelay(producer, [Deals]).drain();
    const seen = await eventually(async () => probe.records.filter((r) => r.key === dealId), (r) => r.length === 2, { what: 'both publications' });
    expect(seen.map((r) => r.headers.ce_id)).toEqual([event.id, event.id]); // consumers drop the second by this id
    expect((await Deals.findById(dealId).lean())?.outbox).toHaveLength(0);
  });
});
