/**
 * What the benchmarks share beside the running TestSystem: a scratch scope (its own topic namespace,
 * consumer groups and databases on the same broker and store, with the run's ACLs), extra service
 * processes started in it the way TestSystem starts its own, and small store and broker helpers.
 *
 * A figure measured in a scratch scope is isolated from the system's services: events produced
 * there are read by nobody but the process being measured.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, AclEntry, Kafka } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { SERVICE_NAMES, type ServiceName } from '@tt/contracts';
import { applyKafkaAccess, EVENT_TOPIC_CONFIG, readKafkaAccess, revokeKafkaAccess } from '@tt/messaging';
import { freePort, kafkaPasswordVar, REPO_ROOT, ServiceProcess, TEST_JWKS, type TestSystem } from '@tt/testing';

export const MONGO_URL = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';

/** Whether the broker is the secured local one (as TestSystem decides: every service has its password). */
export function securedBroker(env: NodeJS.ProcessEnv = process.env): boolean {
  return SERVICE_NAMES.every((name) => env[kafkaPasswordVar(name)]);
}

/** A service's own login on the secured broker, as TestSystem gives it. */
export function kafkaPrincipalEnv(name: ServiceName): Record<string, string> {
  if (!securedBroker()) return {};
  return { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: name, KAFKA_SASL_PASSWORD: process.env[kafkaPasswordVar(name)]!, KAFKA_CREATE_TOPICS: 'false' };
}

let client: MongoClient | undefined;
/** One native-driver client for the benchmark process (closed by closeMongo). */
export async function mongo(): Promise<MongoClient> {
  client ??= await new MongoClient(MONGO_URL).connect();
  return client;
}

/** The store's opcounters (serverStatus), or null when it reports none. */
export async function storeOpcounters(): Promise<Record<string, number> | null> {
  const status = await (await mongo()).db('admin').command({ serverStatus: 1 }).catch(() => undefined);
  const counters = status?.opcounters as Record<string, unknown> | undefined;
  return counters ? Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, Number(v)])) : null;
}

/** The operations between two readings per unit of work (documents, finds, statements...), and their total. */
export function opsPer(before: Record<string, number>, after: Record<string, number>, units: number): Record<string, number> {
  const delta = Object.fromEntries(Object.keys(after).map((k) => [k, Math.round(((after[k] - (before[k] ?? 0)) / Math.max(1, units)) * 10) / 10]));
  return { total: Math.round(Object.values(delta).reduce((a, b) => a + b, 0) * 10) / 10, ...delta };
}

export async function closeMongo(): Promise<void> {
  await client?.close().catch(() => undefined);
  client = undefined;
}

/**
 * A namespace `<system namespace><tag>.` with every topic of deploy/kafka/access.conf (3 partitions,
 * as the system's), the ACLs of the run there, consumer groups `<runId>-<tag>-<name>` and databases
 * `t_<runId>_<tag>_<name>`. `close()` stops its processes and removes all of it.
 */
export class ScratchScope {
  private readonly processes: ServiceProcess[] = [];
  private readonly databases = new Set<string>();
  private readonly groups = new Set<string>();

  private constructor(
    readonly system: TestSystem,
    readonly tag: string,
    private readonly acl: AclEntry[],
  ) {}

  static async open(system: TestSystem, tag: string): Promise<ScratchScope> {
    const namespace = `${system.namespace}${tag}.`;
    const groupOf = (service: string) => `${system.runId}-${tag}-${service}`;
    let acl: AclEntry[] = [];
    if (securedBroker()) {
      acl = await applyKafkaAccess(system.kafka, { namespace, groupOf });
    } else {
      const admin = system.kafka.admin();
      await admin.connect();
      try {
        const topics = readKafkaAccess().topics.flatMap((t) => [t, `${t}.dlq`]);
        await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: namespace + t, numPartitions: 3, replicationFactor: 1, configEntries: EVENT_TOPIC_CONFIG })) });
      } finally {
        await admin.disconnect();
      }
    }
    return new ScratchScope(system, tag, acl);
  }

  get namespace(): string {
    return `${this.system.namespace}${this.tag}.`;
  }

  topic(logical: string): string {
    return this.namespace + logical;
  }

  group(name: string): string {
    const group = `${this.system.runId}-${this.tag}-${name}`;
    this.groups.add(group);
    return group;
  }

  db(name: string): string {
    const db = `t_${this.system.runId}_${this.tag}_${name.replace(/-/g, '_')}`;
    this.databases.add(db);
    return db;
  }

  /**
   * A built service in this scope, with the environment TestSystem gives its own (test key set, its
   * Kafka principal, namespace, group, database), plus `env`. Not started: call `start()`.
   */
  async service(name: ServiceName, env: Record<string, string> = {}, instanceName = `${this.tag}-${name}`): Promise<ServiceProcess> {
    const process_ = new ServiceProcess(
      name,
      await freePort(),
      {
        NODE_ENV: 'test',
        AUTH_JWKS: TEST_JWKS,
        RATE_LIMIT: '100000/1m',
        KAFKA_TOPIC_NAMESPACE: this.namespace,
        KAFKA_GROUP_ID: this.group(name),
        ...kafkaPrincipalEnv(name),
        MONGO_DB: this.db(name),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        ...env,
      },
      join(REPO_ROOT, '.infra', 'test-logs', this.system.runId),
      instanceName,
    );
    this.processes.push(process_);
    return process_;
  }

  /** Stops the scope's processes, then deletes its topics, groups, ACLs and databases. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGTERM').catch(() => undefined)));
    if (process.env.KEEP_TEST_DATA === '1') return;
    const admin = this.system.kafka.admin();
    await admin.connect();
    try {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(this.namespace));
      if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      if (this.groups.size) await admin.deleteGroups([...this.groups]).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
    await revokeKafkaAccess(this.system.kafka, this.acl).catch(() => undefined);
    const store = await mongo();
    for (const db of this.databases) await store.db(db).dropDatabase().catch(() => undefined);
  }
}

/** Creates on `to` the indexes `from` has on each collection (so a baseline writes into the same shape). */
export async function copyIndexes(from: Db, to: Db, collections: string[]): Promise<string[]> {
  const copied: string[] = [];
  for (const name of collections) {
    const indexes = await from.collection(name).indexes().catch(() => []);
    for (const index of indexes) {
      if (index.name === '_id_') continue;
      const { key, name: indexName, v: _v, ns: _ns, ...options } = index as Record<string, any>;
      await to.collection(name).createIndex(key, { name: indexName, ...options });
      copied.push(`${name}.${indexName}`);
    }
  }
  return copied;
}

/** The records on `topics` now (end minus earliest offset, summed over partitions). */
export async function recordsOn(admin: Admin, topics: string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) total += Number(BigInt(p.high) - BigInt(p.low));
  }
  return total;
}

/** A group's lag on `topics` against their end offsets now (a partition never committed counts from its earliest offset). */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
    for (const p of partitions) if (BigInt(p.offset) >= 0n) committed.set(`${topic}/${p.partition}`, BigInt(p.offset));
  }
  let lag = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const from = committed.get(`${topic}/${p.partition}`) ?? BigInt(p.low);
      const behind = BigInt(p.high) - (from < BigInt(p.low) ? BigInt(p.low) : from);
      if (behind > 0n) lag += Number(behind);
    }
  }
  return lag;
}

/** Creates topics (3 partitions, as the event topics) and waits for their leaders. */
export async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `done()` or the deadline; answers whether it was done. */
export async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Logs a progress line with the time since the benchmark started. */
const started = Date.now();
export function say(line: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${s}s] ${line}`);
}
