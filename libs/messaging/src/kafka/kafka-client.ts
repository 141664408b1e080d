import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/** `KAFKA_BROKERS` is a comma-separated list; the default is the broker `scripts/infra/up` runs. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:19092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function createKafka(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokersFromEnv(),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 10 },
    ...overrides,
  });
}

/**
 * An optional prefix for every topic on the wire (`KAFKA_TOPIC_NAMESPACE`), so several environments
 * or test runs can share one cluster without reading each other's events. Empty in production.
 */
export function topicNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.KAFKA_TOPIC_NAMESPACE ?? '';
}

/** The topic name on the wire for a contract topic. */
export function wireTopic(topic: string): string {
  return `${topicNamespace()}${topic}`;
}
