import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mongoose from 'mongoose';
import type { AclEntry, Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { applyKafkaAccess, createKafka, revokeKafkaAccess } from '@tt/messaging';
import { freePort, REPO_ROOT, SERVICE_NAMES, ServiceProcess, type ServiceName } from '@tt/ops';
import { ApiClient, BalancedApiClient } from './api-client';
import { TEST_JWKS } from './tokens';

/**
 * The four services as separate processes on the real Kafka, MongoDB-wire server and Redis, isolated
 * from other runs by a topic namespace, per-run databases, consumer groups and queue prefixes. With
 * `instances: n`, each service runs as n processes sharing its database and consumer group, as a
 * scaled-out deployment does.
 */
export class TestSystem {
  private constructor(
    readonly runId: string,
    readonly namespace: string,
    readonly instances: Record<ServiceName, ServiceProcess[]>,
    readonly kafka: Kafka,
    private readonly acl: AclEntry[],
  ) {}

  /** The first instance of each service (the only one unless started with `instances`). */
  get services(): Record<ServiceName, ServiceProcess> {
    return Object.fromEntries(SERVICE_NAMES.map((name) => [name, this.instances[name][0]])) as Record<ServiceName, ServiceProcess>;
  }

  /**
   * `env`: extra settings per service, e.g. a short reminder delay for the test that waits for one.
   * `instances`: how many processes per service, for all (a number) or for some (the rest run one).
   */
  static async start({
    instances = 1,
    env = {},
  }: { instances?: number | Partial<Record<ServiceName, number>>; env?: Partial<Record<ServiceName, Record<string, string>>> } = {}): Promise<TestSystem> {
    const countOf = (name: ServiceName) => (typeof instances === 'number' ? instances : (instances[name] ?? 1));
    const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const namespace = `test.${runId}.`;
    const groupOf = (service: string) => `${runId}-${service}`;
    const logDir = join(REPO_ROOT, '.infra', 'test-logs', runId);
    const processes = {} as Record<ServiceName, ServiceProcess[]>;
    for (const name of SERVICE_NAMES) {
      processes[name] = [];
      const count = countOf(name);
      for (let i = 0; i < count; i++) {
        processes[name].push(
          new ServiceProcess(
            name,
            await freePort(),
            {
              NODE_ENV: 'test',
              AUTH_JWKS: TEST_JWKS,
              // Load tests drive thousands of requests from one token a minute; the rate-limit test sets its own.
              RATE_LIMIT: '100000/1m',
              KAFKA_TOPIC_NAMESPACE: namespace,
              KAFKA_GROUP_ID: groupOf(name),
              ...kafkaPrincipal(name),
              MONGO_DB: `t_${runId}_${name.replace(/-/g, '_')}`,
              KAFKAJS_NO_PARTITIONER_WARNING: '1',
              // The tests' webhook receivers listen on loopback, which is refused unless allowed.
              ...(name === 'reporting' ? { WEBHOOK_ALLOWED_TARGETS: '127.0.0.1/32' } : {}),
              ...env[name],
            },
            logDir,
            count > 1 ? `${name}-${i + 1}` : name,
          ),
        );
      }
    }
    const kafka = createKafka(`test-${runId}`);
    // On the secured local broker, the run's topics and ACLs are made as kafka-init makes them in
    // production (deploy/kafka/access.conf), in the run's namespace, and the services may not create any.
    const acl = secured() ? await applyKafkaAccess(kafka, { namespace, groupOf }) : [];
    const system = new TestSystem(runId, namespace, processes, kafka, acl);
    try {
      // The first instances create the indexes (and, on an open broker, the topics); the others then join.
      // allSettled: when one fails to start, the others have finished starting before all are stopped.
      const started = await Promise.allSettled(SERVICE_NAMES.map((name) => processes[name][0].start()));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await Promise.all(SERVICE_NAMES.flatMap((name) => processes[name].slice(1).map((p) => p.start())));
    } catch (error) {
      // No service outlives a failed start (they would go on consuming the run's topics).
      await system.stop().catch(() => undefined);
      throw error;
    }
    return system;
  }

  /** A client for a service: with several instances, requests go round-robin and fail over (see BalancedApiClient). */
  api(name: ServiceName, token?: string): ApiClient {
    const urls = this.instances[name].map((p) => p.url);
    return urls.length === 1 ? new ApiClient(urls[0], token) : new BalancedApiClient(urls, token);
  }

  /** The name of each service's database in this run (for assertions on stored state). */
  database(name: ServiceName): string {
    return `t_${this.runId}_${name.replace(/-/g, '_')}`;
  }

  /** A service's consumer group in this run (all its instances share it). */
  group(name: ServiceName): string {
    return `${this.runId}-${name}`;
  }

  topic(logical: string): string {
    return `${this.namespace}${logical}`;
  }

  /** Stops the services gracefully, then removes the run's topics and databases. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.instances).flat().map((s) => s.kill('SIGTERM')));
    if (process.env.KEEP_TEST_DATA === '1') return; // for post-mortems: topics and databases stay
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS].map((t) => this.topic(t)) }).catch(() => undefined);
    await admin.disconnect();
    await revokeKafkaAccess(this.kafka, this.acl).catch(() => undefined);
    const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
    for (const name of SERVICE_NAMES) {
      await connection.useDb(this.database(name)).dropDatabase().catch(() => undefined);
    }
    await connection.close();
  }
}

/**
 * Whether the broker is the secured local one (scripts/infra/up; scripts/infra/env.sh exports each
 * service's password): then every service logs in as its own principal, as in production.
 */
function secured(env: NodeJS.ProcessEnv = process.env): boolean {
  return SERVICE_NAMES.every((name) => env[kafkaPasswordVar(name)]);
}

/** `contract-tracking` → `KAFKA_CONTRACT_TRACKING_PASSWORD`, the variable docker-compose.yml and scripts/infra use. */
export const kafkaPasswordVar = (service: string) => `KAFKA_${service.replace(/-/g, '_').toUpperCase()}_PASSWORD`;

/** A service's own Kafka login on the secured broker (its topics were made for it: it creates none). */
function kafkaPrincipal(name: ServiceName): Record<string, string> {
  if (!secured()) return {};
  return { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: name, KAFKA_SASL_PASSWORD: process.env[kafkaPasswordVar(name)]!, KAFKA_CREATE_TOPICS: 'false' };
}
