import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { deadLetterTopicOf } from '@tt/contracts';
import { EVENT_TOPIC_CONFIG } from './ensure-topics';

/**
 * The broker's access rules, read from `deploy/kafka/access.conf`: the one definition that compose's
 * kafka-init job applies in production and `applyKafkaAccess` applies to the local broker and to each
 * test run's topic namespace. Deny by default: only these grants (each with Describe) allow anything.
 */
export interface KafkaAccess {
  /** Event topics; each is created with its dead-letter twin. */
  topics: string[];
  grants: KafkaGrant[];
}

export interface KafkaGrant {
  principal: string;
  operation: 'Read' | 'Write';
  resource: 'topic' | 'group';
  name: string;
}

/** Reads and checks the definition (a line it does not understand is an error, not ignored). */
export function readKafkaAccess(path = findAccessFile()): KafkaAccess {
  const access: KafkaAccess = { topics: [], grants: [] };
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) return;
      const [kind, ...words] = line.split(/\s+/);
      const where = `${path}:${index + 1}`;
      if (kind === 'topic' && words.length === 1) return void access.topics.push(words[0]);
      if (kind === 'allow' && words.length === 4) {
        const [principal, operation, resource, name] = words;
        if (operation !== 'Read' && operation !== 'Write') throw new Error(`${where}: operation must be Read or Write (got ${operation})`);
        if (resource !== 'topic' && resource !== 'group') throw new Error(`${where}: resource must be topic or group (got ${resource})`);
        if (resource === 'group' && operation !== 'Read') throw new Error(`${where}: a group is only read`);
        return void access.grants.push({ principal, operation, resource, name });
      }
      throw new Error(`${where}: expected "topic <name>" or "allow <principal> <Read|Write> <topic|group> <name>", got "${line}"`);
    });
  return access;
}

/** Where a run's topics and groups live: the topic namespace (`KAFKA_TOPIC_NAMESPACE`) and each service's group. */
export interface AccessScope {
  namespace: string;
  groupOf: (service: string) => string;
}

export const PRODUCTION_SCOPE: AccessScope = { namespace: '', groupOf: (service) => service };

/**
 * Creates the definition's topics (and dead-letter twins) in `scope` if missing, and grants its ACLs,
 * as a super user. Idempotent: existing topics are kept, and Kafka stores an ACL once however often it is
 * created. Returns the ACL entries, so a test run can remove its own with `revokeKafkaAccess`.
 */
export async function applyKafkaAccess(kafka: Kafka, scope: AccessScope, access = readKafkaAccess()): Promise<AclEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = access.topics.flatMap((t) => [t, deadLetterTopicOf(t)]).map((t) => scope.namespace + t);
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin
        .createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1, configEntries: EVENT_TOPIC_CONFIG })) })
        .catch((error: unknown) => {
          if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
        });
    }
    const acl = aclEntries(access, scope);
    await admin.createAcls({ acl });
    return acl;
  } finally {
    await admin.disconnect();
  }
}

/** Removes ACL entries granted by `applyKafkaAccess` (a test run's, when it ends). */
export async function revokeKafkaAccess(kafka: Kafka, acl: AclEntry[]): Promise<void> {
  if (acl.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteAcls({ filters: acl });
  } finally {
    await admin.disconnect();
  }
}

function aclEntries(access: KafkaAccess, scope: AccessScope): AclEntry[] {
  return access.grants.flatMap(({ principal, operation, resource, name }) => {
    const target =
      resource === 'topic'
        ? { resourceType: AclResourceTypes.TOPIC, resourceName: scope.namespace + name }
        : { resourceType: AclResourceTypes.GROUP, resourceName: scope.groupOf(name) };
    const allow = { ...target, resourcePatternType: ResourcePatternTypes.LITERAL, principal: `User:${principal}`, host: '*', permissionType: AclPermissionTypes.ALLOW };
    return [
      { ...allow, operation: operation === 'Read' ? AclOperationTypes.READ : AclOperationTypes.WRITE },
      { ...allow, operation: AclOperationTypes.DESCRIBE },
    ];
  });
}

/** deploy/kafka/access.conf, found upwards from here (the source tree and dist/ both sit under the repository). */
function findAccessFile(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'deploy', 'kafka', 'access.conf');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('deploy/kafka/access.conf not found above ' + __dirname);
}
