import type { Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { ensureTopics, EVENT_TOPIC_CONFIG, topicCreationEnabled } from './ensure-topics';

/** A kafkajs client whose admin knows `existing` topics and records what it is asked to create. */
const fakeKafka = (existing: string[] = []) => {
  const admin = {
    connect: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => undefined),
    listTopics: jest.fn(async () => existing),
    createTopics: jest.fn(async (_: unknown) => true),
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, admin };
};

describe('topicCreationEnabled', () => {
  it('is on unless KAFKA_CREATE_TOPICS=false', () => {
    expect(topicCreationEnabled({})).toBe(true);
    expect(topicCreationEnabled({ KAFKA_CREATE_TOPICS: 'true' })).toBe(true);
    expect(topicCreationEnabled({ KAFKA_CREATE_TOPICS: 'false' })).toBe(false);
    expect(topicCreationEnabled({ KAFKA_CREATE_TOPICS: ' FALSE ' })).toBe(false);
  });

  it('rejects anything else', () => {
    expect(() => topicCreationEnabled({ KAFKA_CREATE_TOPICS: 'no' })).toThrow(/KAFKA_CREATE_TOPICS must be 'true' or 'false' \(got 'no'\)/);
  });
});

describe('ensureTopics', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    for (const key of ['KAFKA_CREATE_TOPICS', 'KAFKA_TOPIC_NAMESPACE', 'KAFKA_TOPIC_PARTITIONS', 'KAFKA_REPLICATION_FACTOR']) delete process.env[key];
  });
  afterAll(() => {
    process.env = saved;
  });

  it('creates the missing topics and .dlq twins with unlimited retention, stated explicitly', async () => {
    const { kafka, admin } = fakeKafka([ALL_TOPICS[0]]);
    await ensureTopics(kafka);
    expect(EVENT_TOPIC_CONFIG).toEqual([{ name: 'retention.ms', value: '-1' }]);
    const { topics } = admin.createTopics.mock.calls[0][0] as { topics: { topic: string; numPartitions: number; replicationFactor: number; configEntries: unknown }[] };
    expect(topics.map((t) => t.topic).sort()).toEqual([...ALL_TOPICS.slice(1), ...ALL_DEAD_LETTER_TOPICS].sort());
    for (const t of topics) {
      expect(t).toMatchObject({ numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] });
    }
    expect(admin.disconnect).toHaveBeenCalled();
  });

  it('creates nothing when every topic exists', async () => {
    const { kafka, admin } = fakeKafka([...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS]);
    await ensureTopics(kafka);
    expect(admin.createTopics).not.toHaveBeenCalled();
  });

  it('does not even connect when KAFKA_CREATE_TOPICS=false (an init job owns the topics)', async () => {
    process.env.KAFKA_CREATE_TOPICS = 'false';
    const { kafka, admin } = fakeKafka();
    await ensureTopics(kafka);
    expect(admin.connect).not.toHaveBeenCalled();
    expect(admin.createTopics).not.toHaveBeenCalled();
  });
});
