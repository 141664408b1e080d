import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';

/** `KAFKA_BROKERS` is a comma-separated list; the default is the broker `scripts/infra/up` runs. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:19092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** The SASL mechanisms a service may authenticate with (kafkajs spelling; Kafka's `SCRAM-SHA-512` is accepted too). */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * Authentication to the brokers, from the environment:
 * - `KAFKA_SASL_MECHANISM` (`scram-sha-512` | `scram-sha-256` | `plain`) with `KAFKA_SASL_USERNAME` and
 *   `KAFKA_SASL_PASSWORD`: SASL. Unset: no authentication (an open broker; the local one of scripts/infra is secured).
 * - `KAFKA_SSL=true`: TLS to the brokers (system trust store). Unset or `false`: plaintext.
 * A username or password without a mechanism, a mechanism without both, or an unknown value throws,
 * naming the variable, rather than connecting unauthenticated and failing later on an ACL.
 */
export function kafkaAuthFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const auth: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  const ssl = (env.KAFKA_SSL ?? '').trim().toLowerCase();
  if (ssl === 'true') auth.ssl = true;
  else if (ssl !== '' && ssl !== 'false') throw new Error(`KAFKA_SSL must be 'true' or 'false' (got '${env.KAFKA_SSL}')`);

  const mechanism = (env.KAFKA_SASL_MECHANISM ?? '').trim().toLowerCase();
  const username = env.KAFKA_SASL_USERNAME ?? '';
  const password = env.KAFKA_SASL_PASSWORD ?? '';
  if (mechanism === '') {
    if (username !== '' || password !== '') {
      throw new Error('KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are set but KAFKA_SASL_MECHANISM is not (scram-sha-512, scram-sha-256 or plain)');
    }
    return auth;
  }
  if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new Error(`KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')} (got '${env.KAFKA_SASL_MECHANISM}')`);
  }
  const missing = [username === '' && 'KAFKA_SASL_USERNAME', password === '' && 'KAFKA_SASL_PASSWORD'].filter(Boolean);
  if (missing.length > 0) throw new Error(`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}`);
  auth.sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password } as SASLOptions;
  return auth;
}

/** A kafkajs client on `KAFKA_BROKERS`, authenticated as `kafkaAuthFromEnv` says. */
export function createKafka(clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokersFromEnv(),
    ...kafkaAuthFromEnv(),
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
