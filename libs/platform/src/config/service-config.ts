import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { DEVELOPMENT_JWKS, isDevelopmentKeySet, parseJwks } from '../auth/keys';
import { parseRateLimit, type RateLimit } from '../http/rate-limit';
import { parseDuration } from './duration';

/** A wait read from the environment (`7d`, `36h`, `90m`, `5s`), in seconds. */
export const durationSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      try {
        return parseDuration(text);
      } catch {
        context.addIssue({ code: 'custom', message: `must be a positive duration such as 7d, 36h, 90m or 5s (got "${text}")` });
        return z.NEVER;
      }
    });

/**
 * The environment every service reads, parsed once at boot: a typo or a missing secret stops the
 * process with a message naming the variable, instead of failing later on first use.
 */
const schema = z.object({
  /** Unset means production: the development conveniences (its token secret) need it said explicitly. */
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  MONGO_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27018/?retryWrites=false'),
  MONGO_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).optional(),
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092'),
  KAFKA_GROUP_ID: z.string().optional(),
  REDIS_URL: z.string().startsWith('redis').default('redis://127.0.0.1:6380'),
  /** The public keys tokens are verified with (a JWKS as JSON), or a file holding it. */
  AUTH_JWKS: z.string().min(2).optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  BODY_LIMIT: z.string().default('64kb'),
  /** Requests per window and principal, shared by all instances (Redis). */
  RATE_LIMIT: z.string().default('600/1m'),
  /** Readiness fails while the outbox has an event waiting longer than this (the relay or Kafka is stuck). */
  OUTBOX_READY_MAX_AGE: durationSetting('5m'),
  /**
   * How often the outbox relay scans for events no write's own pass published (a crashed writer's, a
   * write whose answer was lost), at least. Each write's pass publishes its own at once, and retries
   * them when it fails, so this bounds only how late a leftover leaves; on a store that answers the scan
   * by reading whole collections, every scan costs the pipeline (README, Performance).
   */
  OUTBOX_SCAN_EVERY: durationSetting('15s'),
  /** Readiness fails while the consumer group is this many records behind on its topics (it still consumes). */
  CONSUMER_READY_MAX_LAG: z.coerce.number().int().min(0).default(50_000),
  /**
   * Per partition, records of different keys (aggregates) the consumer handles at once; 1 = strictly
   * in offset order. Raise it where the store and cores have room (it took both from HTTP on a
   * saturated 2-core machine; README, Performance).
   */
  CONSUMER_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
});

export interface ServiceConfig {
  service: string;
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  mongoUrl: string;
  mongoDb: string;
  kafkaGroupId: string;
  redisUrl: string;
  /** The public keys bearer tokens are verified with. */
  authKeys: JSONWebKeySet;
  bodyLimit: string;
  rateLimit: RateLimit;
  outboxReadyMaxAgeSeconds: number;
  outboxScanIntervalMs: number;
  consumerReadyMaxLag: number;
  consumerKeyConcurrency: number;
}

/**
 * A service's own settings, read from the environment through a zod schema the same way as the shared
 * ones: one message naming every variable that is wrong, at start.
 */
export function loadServiceSettings<Shape extends z.ZodRawShape>(
  service: string,
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  return parseOrThrow(service, z.object(shape), env);
}

function parseOrThrow<Schema extends z.ZodTypeAny>(service: string, schema: Schema, env: NodeJS.ProcessEnv): z.infer<Schema> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration for ${service}: ${problems}`);
  }
  return parsed.data;
}

export function loadServiceConfig(service: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const e = parseOrThrow(service, schema, env);
  const environment = e.NODE_ENV ?? 'production';
  const given = e.AUTH_JWKS ?? (e.AUTH_JWKS_FILE ? readFileSync(e.AUTH_JWKS_FILE, 'utf8') : undefined);
  // The development key pair is published in the repository: only a service told NODE_ENV=development may trust it.
  if (given === undefined && environment !== 'development') {
    throw new Error('invalid configuration: AUTH_JWKS (or AUTH_JWKS_FILE) must be set (the development key is trusted only with NODE_ENV=development)');
  }
  const authKeys = given === undefined ? DEVELOPMENT_JWKS : parseJwks(given, e.AUTH_JWKS ? 'AUTH_JWKS' : 'AUTH_JWKS_FILE');
  if (environment === 'production' && isDevelopmentKeySet(authKeys)) {
    throw new Error('invalid configuration: AUTH_JWKS must not hold the development key in production');
  }
  return {
    service,
    env: environment,
    host: e.HOST,
    port: e.PORT ?? defaultPort,
    mongoUrl: e.MONGO_URL,
    mongoDb: e.MONGO_DB ?? service.replace(/-/g, '_'),
    kafkaGroupId: e.KAFKA_GROUP_ID ?? service,
    redisUrl: e.REDIS_URL,
    authKeys,
    bodyLimit: e.BODY_LIMIT,
    rateLimit: parseRateLimit(e.RATE_LIMIT),
    outboxReadyMaxAgeSeconds: e.OUTBOX_READY_MAX_AGE,
    outboxScanIntervalMs: e.OUTBOX_SCAN_EVERY * 1000,
    consumerReadyMaxLag: e.CONSUMER_READY_MAX_LAG,
    consumerKeyConcurrency: e.CONSUMER_KEY_CONCURRENCY,
  };
}
