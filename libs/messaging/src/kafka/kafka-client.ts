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
