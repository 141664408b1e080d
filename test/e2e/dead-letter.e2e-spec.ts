import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, EVENT_SOURCES, TOPICS, type PayloadOf } from '@tt/contracts';
import { encodeCloudEvent } from '@tt/messaging';
import { analystToken, brokerToken, DeadLetterWatch, eventually, KafkaProbe, TestSystem } from '@tt/testing';

/**
 * Poison events (malformed, of an unknown type, without CloudEvents headers) go to the dead-letter
 * topic with the reason, and the valid event behind them on the same partition is still handled.
 */
describe('dead-lettering', () => {
  let system: TestSystem;
  let dlq: KafkaProbe;
  let deadLetters: DeadLetterWatch;

  beforeAll(async () => {
    system = await TestSystem.start();
    deadLetters = await DeadLetterWatch.start(system);
    dlq = await KafkaProbe.start(system.kafka, [system.topic(deadLetterTopicOf(TOPICS.need))]);
  });

  afterAll(async () => {
    await dlq?.stop();
    await system?.stop();
  });

  it('parks poison events and moves on to the next event of the partition', async () => {
    const park = `park-dlq-${Date.now().toString(36)}`;
    const needId = randomUUID();
    const valid: PayloadOf<'cn.techtransfer.need.captured.v1'> = {
      needId,
      enterpriseId: randomUUID(),
      enterpriseName: '苏州纳米材料有限公司',
      parkId: park,
      brokerId: 'broker-dlq',
      regionCode: '320506',
      title: '石墨烯导热膜量产工艺',
      description: '希望与高校合作开发石墨烯导热膜的连续化制备工艺。',
      category: 'tech-breakthrough',
      technicalField: 'new-materials',
      keywords: ['石墨烯', '导热膜'],
      cooperationModes: ['joint-development'],
      confidentiality: 'public',
      capturedAt: new Date().toISOString(),
    };
    const event = (type: string, data: unknown) =>
      encodeCloudEvent({ id: randomUUID(), type, source: EVENT_SOURCES.intake, subject: needId, time: new Date().toISOString(), traceparent: '', data });
    const schemaViolation = event('cn.techtransfer.need.captured.v1', { needId, title: 42 });
    const unknownType = event('cn.techtransfer.need.teleported.v1', valid);
    const noEnvelope = { key: needId, value: JSON.stringify(valid) };
    const good = event('cn.techtransfer.need.captured.v1', valid);

    const producer = system.kafka.producer();
    await producer.connect();
    // All keyed by the need id: one partition, in this order.
    await producer.send({ topic: system.topic(TOPICS.need), messages: [schemaViolation, unknownType, noEnvelope, good] });
    await producer.disconnect();

    // Both consumers of the need topic (matching, reporting) dead-letter each poison event once.
    const parked = await eventually(
      async () => dlq.records.filter((r) => r.key === needId),
      (records) => records.length >= 6,
      { what: 'six dead-lettered records' },
    );
    const reasons = parked.map((r) => `${r.headers.dlq_consumer_group?.replace(`${system.runId}-`, '')}:${r.headers.dlq_reason}`).sort();
    expect(reasons).toEqual([
      'matching:invalid-envelope',
      'matching:schema-violation',
      'matching:unknown-type',
      'reporting:invalid-envelope',
      'reporting:schema-violation',
      'reporting:unknown-type',
    ]);
    for (const record of parked) {
      expect(record.headers).toMatchObject({ dlq_source_topic: system.topic(TOPICS.need), dlq_error: expect.any(String) });
    }
    const violation = parked.find((r) => r.headers.dlq_reason === 'schema-violation')!;
    expect(violation.headers.dlq_error).toContain('title');
    expect(violation.value).toBe(schemaViolation.value); // the original bytes are kept for replay

    // The valid event behind them was handled by both services.
    const matching = system.api('matching', await brokerToken(park));
    await eventually(
      () => matching.get(`/needs/${needId}/proposals`),
      (r) => r.status === 200 && r.body.status === 'proposed',
      { what: 'the valid need to be scored' },
    );
    const reporting = system.api('reporting', await analystToken());
    await eventually(
      async () => (await reporting.get(`/totals?parkId=${park}`)).body.funnel,
      (funnel) => funnel?.captured === 1,
      { what: 'the valid need to be counted' },
    );
    // Nothing else was parked: read from the broker once every consumer group has caught up, the six
    // above are all the need topic's dead-letter twin holds, and no other dead-letter topic has any.
    expect(await deadLetters.added()).toEqual({ [system.topic(deadLetterTopicOf(TOPICS.need))]: 6 });
    expect(dlq.records.filter((r) => r.key === needId)).toHaveLength(6);
  });
});
