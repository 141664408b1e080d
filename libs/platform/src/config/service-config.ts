import { z } from 'zod';

/**
 * The environment every service reads, parsed once at boot: a typo or a missing secret stops the
 * process with a message naming the variable, instead of failing later on first use.
 */
const DEV_TOKEN_SECRET = 'local-development-secret-do-not-deploy';

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
  AUTH_TOKEN_SECRET: z.string().min(32).optional(),
  BODY_LIMIT: z.string().default('64kb'),
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
  authTokenSecret: string;
  bodyLimit: string;
}

export function loadServiceConfig(service: string, defaultPort: number, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration for ${service}: ${problems}`);
  }
  const e = parsed.data;
  const environment = e.NODE_ENV ?? 'production';
  // The development secret is known to everyone: only a service told NODE_ENV=development may use it.
  if (e.AUTH_TOKEN_SECRET === undefined && environment !== 'development') {
    throw new Error('invalid configuration: AUTH_TOKEN_SECRET must be set (the development secret is used only with NODE_ENV=development)');
  }
  if (environment === 'production' && e.AUTH_TOKEN_SECRET === DEV_TOKEN_SECRET) {
    throw new Error('invalid configuration: AUTH_TOKEN_SECRET must be set in production (not the development secret)');
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
    authTokenSecret: e.AUTH_TOKEN_SECRET ?? DEV_TOKEN_SECRET,
    bodyLimit: e.BODY_LIMIT,
  };
}
