import type { Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { wireTopic } from './kafka-client';

/**
 * Creates the platform's topics and their dead-letter twins if they are missing (idempotent). Brokers
 * run with auto-creation off, so a typo in a topic name fails loudly instead of creating a new topic.
 */
export async function ensureTopics(kafka: Kafka, options: { partitions?: number; replicationFactor?: number } = {}) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS].map(wireTopic).filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: options.partitions ?? Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3),
        replicationFactor: options.replicationFactor ?? Number(process.env.KAFKA_REPLICATION_FACTOR ?? 1),
      })),
    });
  } catch (error) {
    // Two services starting together race to create the same topic; losing that race is fine.
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  } finally {
    await admin.disconnect();
  }
}
