import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mongoose from 'mongoose';
import type { Kafka } from 'kafkajs';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS } from '@tt/contracts';
import { createKafka } from '@tt/messaging';
import { ApiClient } from './api-client';
import { freePort, REPO_ROOT, SERVICE_NAMES, ServiceProcess, type ServiceName } from './service-process';

/**
 * The four services as separate processes on the real Kafka, MongoDB-wire server and Redis, isolated
 * from other runs by a topic namespace, per-run databases, consumer groups and queue prefixes.
 */
export class TestSystem {
  private constructor(
    readonly runId: string,
    readonly namespace: string,
    readonly services: Record<ServiceName, ServiceProcess>,
    readonly kafka: Kafka,
  ) {}

  static async start(): Promise<TestSystem> {
    const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const namespace = `test.${runId}.`;
    const logDir = join(REPO_ROOT, '.infra', 'test-logs', runId);
    const services = {} as Record<ServiceName, ServiceProcess>;
    for (const name of SERVICE_NAMES) {
      services[name] = new ServiceProcess(
        name,
        await freePort(),
        {
          NODE_ENV: 'test',
          KAFKA_TOPIC_NAMESPACE: namespace,
          KAFKA_GROUP_ID: `${runId}-${name}`,
          MONGO_DB: `t_${runId}_${name.replace(/-/g, '_')}`,
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
        },
        logDir,
      );
    }
    const kafka = createKafka(`test-${runId}`);
    const system = new TestSystem(runId, namespace, services, kafka);
    await Promise.all(Object.values(services).map((s) => s.start()));
    return system;
  }

  api(name: ServiceName, token?: string): ApiClient {
    return new ApiClient(this.services[name].url, token);
  }

  topic(logical: string): string {
    return `${this.namespace}${logical}`;
  }

  /** Stops the services gracefully, then removes the run's topics and databases. */
  async stop(): Promise<void> {
    await Promise.all(Object.values(this.services).map((s) => s.kill('SIGTERM')));
    if (process.env.KEEP_TEST_DATA === '1') return; // for post-mortems: topics and databases stay
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS].map((t) => this.topic(t)) }).catch(() => undefined);
    await admin.disconnect();
    const connection = await mongoose.createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false').asPromise();
    for (const name of SERVICE_NAMES) {
      await connection.useDb(`t_${this.runId}_${name.replace(/-/g, '_')}`).dropDatabase().catch(() => undefined);
    }
    await connection.close();
  }
}
