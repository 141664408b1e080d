import type { IResourceConfigEntry, Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { wireTopic } from './kafka-client';

/**
 * The configuration every event topic and its `.dlq` twin is created with. Retention is explicit and
 * unlimited: the topics are the history that reporting is rebuilt from, so nothing may age out (the
 * broker default would delete after 7 days). docker-compose.yml's kafka-init job uses the same values.
 */
export const EVENT_TOPIC_CONFIG: IResourceConfigEntry[] = [{ name: 'retention.ms', value: '-1' }];

/**
 * Whether services create missing topics themselves (`KAFKA_CREATE_TOPICS`, default `true`). Production
 * sets `false`: there a one-shot init job owns topics, and services have no right to create them.
 */
export function topicCreationEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.KAFKA_CREATE_TOPICS ?? '').trim().toLowerCase();
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`KAFKA_CREATE_TOPICS must be 'true' or 'false' (got '${env.KAFKA_CREATE_TOPICS}')`);
}

/**
 * Creates the platform's topics and their dead-letter twins if they are missing (idempotent), with
 * `EVENT_TOPIC_CONFIG`. Brokers run with auto-creation off, so a typo in a topic name fails loudly
 * instead of creating a new topic. Does nothing when `KAFKA_CREATE_TOPICS=false`. Existing topics are
 * left as they are (their configuration is not changed).
 */
export async function ensureTopics(kafka: Kafka, options: { partitions?: number; replicationFactor?: number } = {}) {
  if (!topicCreationEnabled()) return;
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
        configEntries: EVENT_TOPIC_CONFIG,
      })),
    });
  } catch (error) {
    // Two services starting together race to create the same topic; losing that race is fine.
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  } finally {
    await admin.disconnect();
  }
}
