/**
 * Static checks for docker-compose.yml and deploy/Dockerfile.
 *
 * No Docker engine runs on dev/CI machines here, so these files can't be
 * exercised for real; this spec pins down the properties ops rely on
 * (pinned images, healthchecks, start order, replica set, KRaft, Kafka
 * authentication and ACLs, topics and their retention, non-root runtime,
 * same start command as `npm start`). scripts/compose/validate checks the
 * file with Docker Compose's own parser.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ALL_TOPICS, SERVICE_NAMES, TOPIC_OWNERS, TOPICS, deadLetterTopicOf, topicsConsumedBy, type Topic } from '@tt/contracts';
import { readKafkaAccess } from '@tt/messaging';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.resolve(__dirname, '..', 'docker-compose.yml');
const DOCKERFILE = path.resolve(__dirname, 'Dockerfile');
const SERVICE_COMMAND_FILE = path.resolve(__dirname, 'service-command.txt');

const APP_SERVICES = SERVICE_NAMES;
const APP_HOST_PORTS: Record<(typeof APP_SERVICES)[number], number> = {
  intake: 3001,
  matching: 3002,
  'contract-tracking': 3003,
  reporting: 3004,
};

/** The topics the contracts define: compose must create each of them and its dead-letter twin. */
const EXPECTED_TOPICS: string[] = ALL_TOPICS;

type AppService = (typeof APP_SERVICES)[number];

/** The service that produces on a topic: the last segment of its owner's CloudEvents source. */
const producerOf = (topic: Topic): string => TOPIC_OWNERS[topic].split('/').pop()!;

/** What each consumer reads (its SUBSCRIPTIONS in the contracts; a consumer group named after itself); it dead-letters into the `.dlq` twins. */
const CONSUMES: Record<AppService, Topic[]> = Object.fromEntries(APP_SERVICES.map((service) => [service, topicsConsumedBy(service)])) as Record<AppService, Topic[]>;

/** The variable holding a service's Kafka password, e.g. KAFKA_CONTRACT_TRACKING_PASSWORD. */
const passwordVar = (service: string): string => `KAFKA_${service.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

/** `${VAR:?message}`: compose refuses to start without VAR. */
const requiredVar = (name: string): RegExp => new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`);

/** One ACL as kafka-init grants it (besides DESCRIBE, which every grant carries). */
interface Acl {
  principal: string;
  operation: 'Read' | 'Write';
  type: 'topic' | 'group';
  name: string;
}
const aclKey = (a: Acl): string => `${a.principal} ${a.operation} ${a.type} ${a.name}`;

/** The ACL table: producers write their own topic; consumers read theirs with their own group and write the `.dlq` twins. */
const EXPECTED_ACLS: Acl[] = [
  ...ALL_TOPICS.map((topic): Acl => ({ principal: producerOf(topic), operation: 'Write', type: 'topic', name: topic })),
  ...Object.entries(CONSUMES).flatMap(([service, topics]): Acl[] => [
    ...topics!.flatMap((topic): Acl[] => [
      { principal: service, operation: 'Read', type: 'topic', name: topic },
      { principal: service, operation: 'Write', type: 'topic', name: deadLetterTopicOf(topic) },
    ]),
    { principal: service, operation: 'Read', type: 'group', name: service },
  ]),
];

// ------------------------------------------------------------------ helpers

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  configs?: (string | { source: string; target?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  volumes?: (string | { source?: string; target?: string })[];
  ports?: (string | number | { published?: string | number; target?: number })[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  configs?: Record<string, { content?: string; file?: string }>;
  volumes?: Record<string, unknown>;
}

// merge: the app services extend the shared environment with `<<: *app-environment`, as compose does.
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;
const services = compose.services ?? {};

const asText = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

const envOf = (svc: ComposeService): Record<string, string> => {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
};

/**
 * The broker properties the apache/kafka image derives from its KAFKA_* variables (its
 * KafkaDockerWrapper: drop `KAFKA_`, lower-case, `_` → `.`, then `...` → `-` and `..` → `_`).
 */
const kafkaPropertiesOf = (svc: ComposeService): Record<string, string> => {
  const notProperties = new Set(['KAFKA_VERSION', 'KAFKA_HEAP_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_OPTS', 'KAFKA_JMX_OPTS']);
  return Object.fromEntries(
    Object.entries(envOf(svc))
      .filter(([k]) => k.startsWith('KAFKA_') && !notProperties.has(k))
      .map(([k, v]) => [k.replace('KAFKA_', '').toLowerCase().replace(/_/g, '.').replace(/\.\.\./g, '-').replace(/\.\./g, '_'), v]),
  );
};

/** A kafka-init script as its shell sees it: compose turns `$$` into `$`. */
const initScript = (): string => `${asText(services['kafka-init'].entrypoint)}\n${asText(services['kafka-init'].command)}`.replace(/\$\$/g, '$');

/** The content of the compose config mounted at `target` in a service. */
const mountedConfig = (svc: ComposeService, target: string): string | undefined => {
  const ref = (svc.configs ?? []).find((c) => typeof c !== 'string' && c.target === target);
  return ref && typeof ref !== 'string' ? compose.configs?.[ref.source]?.content : undefined;
};

const argsOf = (svc: ComposeService): Record<string, string> => {
  const args = svc.build?.args ?? {};
  if (Array.isArray(args)) {
    return Object.fromEntries(args.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return args;
};

/** Services other services wait for with `service_completed_successfully` (one-shot jobs). */
const oneShotServices = (): Set<string> => {
  const names = new Set<string>();
  for (const svc of Object.values(services)) {
    if (svc.depends_on && !Array.isArray(svc.depends_on)) {
      for (const [dep, spec] of Object.entries(svc.depends_on)) {
        if (spec?.condition === 'service_completed_successfully') names.add(dep);
      }
    }
  }
  return names;
};

/** `name:tag` where the tag contains a digit-dotted version (not latest, not floating major-only). */
const isPinnedImage = (image: string): boolean => {
  const withoutDigest = image.split('@')[0];
  const lastSegment = withoutDigest.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop()! : '';
  return tag !== '' && !/latest/i.test(tag) && /\d+\.\d+/.test(tag);
};

interface Instruction {
  keyword: string;
  args: string;
}

/** Minimal Dockerfile parser: joins `\` continuations, drops comments and blank lines. */
const parseDockerfile = (text: string): Instruction[] => {
  const instructions: Instruction[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue; // comments (also inside continuations)
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(current.trim());
    if (m) instructions.push({ keyword: m[1].toUpperCase(), args: m[2].trim() });
    current = '';
  }
  return instructions;
};

/** Turns the runtime stage's ENTRYPOINT + CMD (exec or shell form) into the command line that actually runs. */
const resolveStartCommand = (instructions: Instruction[]): string => {
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const runtime = instructions.slice(lastFrom); // only the final stage counts
  const last = (kw: string) => [...runtime].reverse().find((i) => i.keyword === kw)?.args;
  const toArgv = (args: string | undefined): string[] => {
    if (!args) return [];
    return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
  };
  let argv = [...toArgv(last('ENTRYPOINT')), ...toArgv(last('CMD'))];
  // Unwrap `sh -c "<script>"`, then a leading `exec`.
  if (argv.length >= 3 && /(^|\/)(ba)?sh$/.test(argv[0]) && argv[1] === '-c') argv = [argv[2]];
  return normaliseCommand(argv.join(' ').replace(/^exec\s+/, ''));
};

/** `${SERVICE}` and `$SERVICE` are the same to a shell; collapse whitespace. */
const normaliseCommand = (cmd: string): string => cmd.replace(/\$\{(\w+)\}/g, '$$$1').replace(/\s+/g, ' ').trim();

const dockerfileText = readFileSync(DOCKERFILE, 'utf8');
const dockerfile = parseDockerfile(dockerfileText);

// ------------------------------------------------------------------ compose

describe('docker-compose.yml', () => {
  it('defines infra and all four app services', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['kafka', 'kafka-init', 'mongo', 'redis', ...APP_SERVICES]),
    );
  });

  it.each(Object.entries(services).filter(([, s]) => s.image))('%s uses a pinned image tag', (_name, svc) => {
    expect(isPinnedImage(svc.image!)).toBe(true);
  });

  it('every service either pulls a pinned image or builds from deploy/Dockerfile', () => {
    for (const [name, svc] of Object.entries(services)) {
      const builds = svc.build?.dockerfile === 'deploy/Dockerfile';
      const pulls = svc.image !== undefined && !svc.build && isPinnedImage(svc.image);
      expect({ name, ok: builds || pulls }).toEqual({ name, ok: true });
    }
  });

  it('uses the expected official images', () => {
    expect(services.kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(services['kafka-init'].image).toBe(services.kafka.image);
    expect(services.mongo.image).toMatch(/^mongo:7\.0\.\d+$/);
    expect(services.redis.image).toMatch(/^redis:7\.4\.\d+-alpine$/);
  });

  it('every long-running service has a healthcheck', () => {
    const oneShot = oneShotServices();
    expect(oneShot).toEqual(new Set(['kafka-init']));
    for (const [name, svc] of Object.entries(services)) {
      if (oneShot.has(name)) continue;
      expect({ name, test: asText(svc.healthcheck?.test).length > 0, disabled: !!svc.healthcheck?.disable }).toEqual({
        name,
        test: true,
        disabled: false,
      });
    }
  });

  it('depends_on always waits for health (or successful completion of one-shot jobs)', () => {
    const oneShot = oneShotServices();
    let edges = 0;
    for (const [name, svc] of Object.entries(services)) {
      if (!svc.depends_on) continue;
      expect({ name, longSyntax: !Array.isArray(svc.depends_on) }).toEqual({ name, longSyntax: true });
      for (const [dep, spec] of Object.entries(svc.depends_on as Record<string, { condition?: string }>)) {
        edges++;
        expect(Object.keys(services)).toContain(dep);
        const expected = oneShot.has(dep) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, dep, condition: spec?.condition }).toEqual({ name, dep, condition: expected });
      }
    }
    expect(edges).toBeGreaterThan(0);
  });

  describe.each(APP_SERVICES)('app service %s', (name) => {
    const svc = services[name];

    it('is built from deploy/Dockerfile with the right SERVICE arg', () => {
      expect(svc.build?.context).toBe('.');
      expect(svc.build?.dockerfile).toBe('deploy/Dockerfile');
      expect(argsOf(svc).SERVICE).toBe(name);
    });

    it('waits for kafka, kafka-init, mongo and redis', () => {
      expect(Object.keys(svc.depends_on ?? {}).sort()).toEqual(['kafka', 'kafka-init', 'mongo', 'redis']);
    });

    it('gets in-network infra URLs, port and a required auth secret', () => {
      const env = envOf(svc);
      expect(env.KAFKA_BROKERS).toBe('kafka:9092');
      expect(env.MONGO_URL).toBe('mongodb://mongo:27017/?replicaSet=rs0');
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.PORT).toBe('3000');
      // `:?` makes compose refuse to start without the secret.
      expect(env.AUTH_JWKS).toMatch(/^\$\{AUTH_JWKS:\?.+\}$/);
      expect(env.AUTH_TOKEN_SECRET).toBeUndefined(); // services hold public keys only
    });

    it('authenticates to Kafka as its own SCRAM principal, and leaves topic creation to kafka-init', () => {
      const env = envOf(svc);
      expect(env.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
      expect(env.KAFKA_SASL_USERNAME).toBe(name);
      expect(env.KAFKA_SASL_PASSWORD).toMatch(requiredVar(passwordVar(name)));
      expect(env.KAFKA_CREATE_TOPICS).toBe('false');
      // The consumer group its ACL names (the config default is the service name too).
      expect(env.KAFKA_GROUP_ID ?? name).toBe(name);
    });

    it(`publishes host port ${APP_HOST_PORTS[name]} and restarts unless stopped`, () => {
      expect((svc.ports ?? []).map(String)).toContain(`${APP_HOST_PORTS[name]}:3000`);
      expect(svc.restart).toBe('unless-stopped');
    });

    it('probes /health/ready', () => {
      expect(asText(svc.healthcheck?.test)).toContain('/health/ready');
    });
  });

  it('runs kafka in KRaft mode (no ZooKeeper)', () => {
    const env = envOf(services.kafka);
    expect(Object.keys(services).some((n) => /zookeeper/i.test(n))).toBe(false);
    expect(Object.keys(env).some((k) => /ZOOKEEPER/.test(k))).toBe(false);
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@kafka:\d+$/);
    expect(env.KAFKA_NODE_ID).toBe('1');
    expect(env.KAFKA_LISTENERS).toContain('CONTROLLER://');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain('kafka:9092');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('kafka-init creates every expected topic and its .dlq twin, idempotently', () => {
    const init = services['kafka-init'];
    const script = initScript();
    expect(init.restart ?? 'no').toBe('no');
    expect(script).toContain('kafka-topics.sh');
    expect(script).toContain('--create');
    expect(script).toContain('--if-not-exists');
    expect(script).toMatch(/--partitions 3\b/);
    // The topics are those of deploy/kafka/access.conf (mounted at /etc/kafka/access.conf), each with its .dlq twin.
    expect(script).toMatch(/for t in "\$1" "\$1\.dlq"; do/);
    expect(script).toMatch(/topic\) topic "\$a" ;;/);
    expect([...readKafkaAccess().topics].sort()).toEqual([...EXPECTED_TOPICS].sort());
  });

  it('kafka-init applies deploy/kafka/access.conf, the definition the local broker and the tests apply too', () => {
    const init = services['kafka-init'];
    const ref = (init.configs ?? []).find((c) => typeof c !== 'string' && c.target === '/etc/kafka/access.conf');
    expect(ref && typeof ref !== 'string' && compose.configs?.[ref.source]?.file).toBe('./deploy/kafka/access.conf');
    expect(initScript()).toMatch(/done < \/etc\/kafka\/access\.conf\n/);
    // A line it cannot read stops kafka-init rather than being skipped.
    expect(initScript()).toMatch(/\*\) echo "kafka-init: [^"]*" >&2; exit 1 ;;/);
  });

  it('kafka-init gives topics an explicit, unlimited retention, also on topics that already exist', () => {
    const script = initScript();
    expect(script).toMatch(/kafka-topics\.sh [^\n]*--create --if-not-exists \\\n[^\n]*--config retention\.ms=-1\n/);
    // --if-not-exists leaves an existing topic's config alone: retention is re-stated with kafka-configs.
    expect(script).toMatch(/kafka-configs\.sh [^\n]*--alter --entity-type topics[^\n]*\\\n\s*--add-config retention\.ms=-1/);
  });

  describe('Kafka security', () => {
    const kafka = services.kafka;
    const props = kafkaPropertiesOf(kafka);

    it('has only SASL listeners (no PLAINTEXT or SSL without authentication)', () => {
      const protocols = Object.fromEntries(props['listener.security.protocol.map'].split(',').map((kv) => kv.split(':')));
      const listeners = props.listeners.split(',').map((l) => l.split('://')[0]);
      expect(listeners.length).toBeGreaterThanOrEqual(2);
      for (const listener of [...listeners, props['inter.broker.listener.name'], props['controller.listener.names']]) {
        expect({ listener, protocol: protocols[listener] }).toEqual({ listener, protocol: expect.stringMatching(/^SASL_(PLAINTEXT|SSL)$/) });
      }
      expect(props['advertised.listeners']).toMatch(/^[A-Z_]+:\/\/kafka:9092$/);
    });

    it('offers SCRAM-SHA-512 to clients, and PLAIN only for the broker and admin principals', () => {
      const client = props['advertised.listeners'].split('://')[0].toLowerCase();
      expect(props[`listener.name.${client}.sasl.enabled.mechanisms`].split(',')).toEqual(expect.arrayContaining(['SCRAM-SHA-512']));
      expect(props[`listener.name.${client}.scram-sha-512.sasl.jaas.config`]).toMatch(/^org\.apache\.kafka\.common\.security\.scram\.ScramLoginModule required;$/);
      // The static PLAIN users: exactly broker and admin, passwords from required variables, nothing literal.
      for (const [key, jaas] of Object.entries(props).filter(([k]) => k.endsWith('.plain.sasl.jaas.config'))) {
        const users = [...jaas.matchAll(/\buser_([\w-]+)="([^"]*)"/g)];
        expect({ key, users: users.map((u) => u[1]).sort() }).toEqual({ key, users: key.includes(`.${client}.`) ? ['admin', 'broker'] : ['broker'] });
        for (const [, user, password] of users) expect(password).toMatch(requiredVar(passwordVar(user)));
        expect(jaas).toMatch(/\busername="broker" password="\$\{KAFKA_BROKER_PASSWORD:\?[^}]+\}"/);
      }
      expect(props['sasl.mechanism.inter.broker.protocol']).toBe('PLAIN');
      expect(props['sasl.mechanism.controller.protocol']).toBe('PLAIN');
    });

    it('turns the KRaft authorizer on, denies by default, and makes only admin and broker super users', () => {
      expect(props['authorizer.class.name']).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(props['allow.everyone.if.no.acl.found']).toBe('false');
      expect(props['super.users'].split(';').sort()).toEqual(['User:admin', 'User:broker']);
    });

    it('healthchecks with a client properties file that logs in as the broker principal', () => {
      const probe = asText(kafka.healthcheck?.test);
      const file = /--command-config ([^\s)]+)/.exec(probe)?.[1];
      expect(probe).toContain('kafka-broker-api-versions.sh');
      expect(file).toBeDefined();
      const content = mountedConfig(kafka, file!);
      expect(content).toContain('security.protocol=SASL_PLAINTEXT');
      expect(content).toMatch(/username="broker" password="\$\{KAFKA_BROKER_PASSWORD:\?[^}]+\}"/);
    });

    it('kafka-init works as admin, and is the only one given the services\' passwords besides the services', () => {
      const init = services['kafka-init'];
      const file = /--command-config ([^\s)]+)/.exec(initScript())?.[1];
      expect(mountedConfig(init, file!)).toMatch(/username="admin" password="\$\{KAFKA_ADMIN_PASSWORD:\?[^}]+\}"/);
      const env = envOf(init);
      for (const name of APP_SERVICES) expect(env[passwordVar(name)]).toMatch(requiredVar(passwordVar(name)));
      expect(Object.keys(env).some((k) => /BROKER_PASSWORD/.test(k))).toBe(false);
      // A service only gets its own password.
      for (const name of APP_SERVICES) {
        const secrets = Object.values(envOf(services[name])).join(' ').match(/KAFKA_[A-Z_]+_PASSWORD/g) ?? [];
        expect(new Set(secrets)).toEqual(new Set([passwordVar(name)]));
      }
    });

    it('kafka-init creates one SCRAM-SHA-512 user per service, named after it', () => {
      const script = initScript();
      // The users are the principals access.conf grants anything to: the four services.
      expect(script).toMatch(/\[\[ "\$kind" == allow \]\] && principals\[\$principal\]=1; done < \/etc\/kafka\/access\.conf/);
      expect(script).toContain('users=("${!principals[@]}")');
      expect([...new Set(readKafkaAccess().grants.map((g) => g.principal))].sort()).toEqual([...APP_SERVICES].sort());
      expect(script).toMatch(/kafka-configs\.sh [^\n]*--alter --entity-type users --entity-name "\$user"/);
      expect(script).toContain('--add-config "SCRAM-SHA-512=[password=${!var}]"');
      // ${!var} is KAFKA_<USER>_PASSWORD, the variable the service itself gets.
      expect(script).toMatch(/password_var\(\) \{ local v="KAFKA_\$\{1\/\/-\/_\}_PASSWORD"; echo "\$\{v\^\^\}"; \}/);
    });

    it('kafka-init grants exactly the ACL table (access.conf), each with DESCRIBE, literal names, no CREATE and no cluster rights', () => {
      const script = initScript();
      const allow = /^\s*allow\(\) \{[\s\S]*?\n\s*\}$/m.exec(script)?.[0] ?? '';
      expect(allow).toContain('kafka-acls.sh');
      expect(allow).toMatch(/--add --allow-principal "User:\$1"/);
      expect(allow).toMatch(/--operation "\$2" --operation Describe --"\$3" "\$4" --resource-pattern-type literal/);
      expect(script).toMatch(/allow\) allow "\$a" "\$b" "\$c" "\$d" ;;/);
      const granted = readKafkaAccess().grants.map(({ principal, operation, resource, name }) => aclKey({ principal, operation, type: resource, name }));
      expect(granted.sort()).toEqual(EXPECTED_ACLS.map(aclKey).sort());
      expect(new Set(granted).size).toBe(granted.length);
      expect(script).not.toMatch(/--cluster\b|--operation (Create|All|Alter|ClusterAction|IdempotentWrite)\b|--deny-principal|User:\*/);
    });
  });

  it('runs mongo as a replica set that gets initiated by its healthcheck', () => {
    const mongo = services.mongo;
    expect(asText(mongo.command)).toMatch(/--replSet\s+rs0\b/);
    const probe = asText(mongo.healthcheck?.test);
    expect(probe).toContain('rs.initiate');
    expect(probe).toContain("_id: 'rs0'");
  });

  it('configures redis for BullMQ (AOF, noeviction)', () => {
    const cmd = asText(services.redis.command);
    expect(cmd).toMatch(/--appendonly\s+yes/);
    expect(cmd).toMatch(/--maxmemory-policy\s+noeviction/);
  });

  it('keeps kafka, mongo and redis data on declared named volumes', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const expectations: Record<string, string> = {
      kafka: '/var/lib/kafka/data',
      mongo: '/data/db',
      redis: '/data',
    };
    for (const [name, target] of Object.entries(expectations)) {
      const mounts = (services[name].volumes ?? []).map((v) =>
        typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v,
      );
      const mount = mounts.find((m) => m.target === target);
      expect({ name, mounted: !!mount }).toEqual({ name, mounted: true });
      expect(declared).toContain(mount!.source);
    }
    expect(envOf(services.kafka).KAFKA_LOG_DIRS).toBe('/var/lib/kafka/data');
  });
});

// ------------------------------------------------------------------ Dockerfile

describe('deploy/Dockerfile', () => {
  const froms = dockerfile.filter((i) => i.keyword === 'FROM');
  const lastFrom = dockerfile.lastIndexOf(froms[froms.length - 1]);
  const runtime = dockerfile.slice(lastFrom);

  it('is multi-stage with pinned base images', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0];
      expect({ image, pinned: isPinnedImage(image) }).toEqual({ image, pinned: true });
      expect(image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    }
    expect(froms[0].args).toMatch(/\bAS\s+build\b/i);
    expect(froms[froms.length - 1].args).toMatch(/\bAS\s+runtime\b/i);
  });

  it('installs from the lock, runs npm run build and prunes dev dependencies', () => {
    const runs = dockerfile.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(runs).toMatch(/npm (ci|install)\b/);
    expect(dockerfile.some((i) => i.keyword === 'COPY' && i.args.includes('package-lock.json'))).toBe(true); // versions from the lock
    expect(runs).toContain('npm run build');
    expect(runs).toMatch(/npm prune --omit=dev/);
  });

  it('fails the install step itself when npm leaves node_modules incomplete (npm may exit 0 anyway)', () => {
    const runs = dockerfile.filter((i) => i.keyword === 'RUN');
    const install = runs.find((i) => /\bnpm (ci|install)\b/.test(i.args));
    const build = runs.find((i) => i.args.includes('npm run build'));
    expect(install).toBeDefined();
    expect(dockerfile.indexOf(install!)).toBeLessThan(dockerfile.indexOf(build!));
    const script = install!.args;
    // Every check is chained to the install with &&, in the same RUN: a `;` or `|| true` would let the layer pass.
    expect(script).not.toMatch(/;\s*(test|npm ls)|\|\|\s*true/);
    expect(script).toMatch(/^npm (ci|install)\b[^;]*&& test -f node_modules\/\.package-lock\.json\b/);
    expect(script).toMatch(/&& npm ls --omit=optional --depth=0\b/);
    // The tools `npm run build` runs (package.json's build script) must be there.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const tools = pkg.scripts.build.split('&&').map((step) => step.trim().split(/\s+/)[0]);
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) expect(script).toContain(`&& test -x node_modules/.bin/${tool}`);
  });

  it('runtime stage copies node_modules, the whole dist/ and package.json from the build stage', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const what of ['/app/node_modules', '/app/dist', '/app/package.json']) {
      expect(copies.some((c) => c.includes('--from=build') && c.includes(what))).toBe(true);
    }
    expect(copies.some((c) => /\.\/services\b/.test(c))).toBe(true); // runtime data, e.g. matching catalogue
  });

  it('takes SERVICE as a build arg and exposes it to the start command', () => {
    expect(runtime.some((i) => i.keyword === 'ARG' && /^SERVICE\b/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'ENV' && /\bSERVICE=\$\{?SERVICE\}?/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0']).not.toContain(user);
  });

  it('exposes 3000 and has a readiness HEALTHCHECK', () => {
    expect(runtime.some((i) => i.keyword === 'EXPOSE' && /\b3000\b/.test(i.args))).toBe(true);
    const hc = runtime.find((i) => i.keyword === 'HEALTHCHECK');
    expect(hc?.args).toMatch(/\bCMD\b/);
    expect(hc?.args).toContain('/health/ready');
    expect(hc?.args).not.toMatch(/\bcurl\b|\bwget\b/); // not present in slim images
  });

  it('starts exactly the command recorded in deploy/service-command.txt (shared with npm start)', () => {
    const shared = normaliseCommand(readFileSync(SERVICE_COMMAND_FILE, 'utf8'));
    expect(shared).toBe('node dist/services/$SERVICE/src/main.js');
    expect(resolveStartCommand(dockerfile)).toBe(shared);
    // The path must point into the build output of each service.
    for (const name of APP_SERVICES) {
      expect(shared.replace('$SERVICE', name)).toBe(`node dist/services/${name}/src/main.js`);
    }
  });

  it('has a .dockerignore next to it that keeps local state out of the context', () => {
    const ignore = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', '.infra', '.git']) expect(ignore).toContain(entry);
  });
});

// ------------------------------------------------------------------ metrics

describe('Prometheus and Grafana', () => {
  const observability = path.join(__dirname, 'observability');
  const prometheus = parse(readFileSync(path.join(observability, 'prometheus.yml'), 'utf8'));
  const dashboard = JSON.parse(readFileSync(path.join(observability, 'grafana/dashboards/techtransfer.json'), 'utf8'));

  it('scrapes /metrics of the four services inside the compose network', () => {
    const targets = prometheus.scrape_configs.flatMap((c: { static_configs: { targets: string[] }[] }) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(APP_SERVICES.map((s) => `${s}:3000`).sort());
    expect(prometheus.scrape_configs[0].metrics_path).toBe('/metrics');
  });

  it('mounts the scrape config, the alert rules and Grafana’s provisioning, and publishes both on localhost only', () => {
    const mounts = (name: string) => (services[name].volumes ?? []).map(String).join(' ');
    expect(mounts('prometheus')).toContain('./deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(mounts('prometheus')).toContain('./deploy/observability/alerts.yml:/etc/prometheus/alerts.yml:ro');
    expect(mounts('grafana')).toContain('./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(mounts('grafana')).toContain('./deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro');
    for (const name of ['prometheus', 'grafana']) for (const port of services[name].ports ?? []) expect(String(port)).toMatch(/^127\.0\.0\.1:/);
    expect(envOf(services.grafana).GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
  });

  it('charts and alerts only on metrics the services export', () => {
    const sources = ['libs/platform/src/metrics/metrics.ts', 'libs/platform/src/bootstrap.ts', 'libs/messaging/src/metrics.ts', 'libs/messaging/src/outbox/outbox-relay.ts', 'libs/messaging/src/consumer/kafka-event.transport.ts', 'services/reporting/src/webhooks/webhook-delivery.engine.ts']
      .map((f) => readFileSync(path.join(__dirname, '..', f), 'utf8'))
      .join('\n');
    const alerts = readFileSync(path.join(observability, 'alerts.yml'), 'utf8');
    const exprs = [...dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)), alerts];
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\btt_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    expect(used.size).toBeGreaterThanOrEqual(6);
    for (const metric of used) expect({ metric, exported: sources.includes(`'${metric}'`) }).toEqual({ metric, exported: true });
  });
});
