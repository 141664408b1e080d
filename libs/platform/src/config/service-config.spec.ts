import { DEVELOPMENT_JWKS, DEVELOPMENT_SIGNING_KEY } from '../auth/keys';
import { z } from 'zod';
import { durationSetting, loadServiceConfig, loadServiceSettings } from './service-config';

const productionKeys = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'vxvPYiT40YpSe2lpHcv5sHjLeusuarM92JV-gHsfla4', kid: 'district-2026', alg: 'EdDSA', use: 'sig' }] };
const productionJwks = JSON.stringify(productionKeys);

describe(loadServiceConfig.name, () => {
  it('defaults to the local infrastructure and derives names from the service', () => {
    expect(loadServiceConfig('contract-tracking', 3003, { NODE_ENV: 'development' })).toEqual({
      service: 'contract-tracking',
      env: 'development',
      host: '127.0.0.1',
      port: 3003,
      mongoUrl: 'mongodb://127.0.0.1:27018/?retryWrites=false',
      mongoDb: 'contract_tracking',
      kafkaGroupId: 'contract-tracking',
      redisUrl: 'redis://127.0.0.1:6380',
      authKeys: DEVELOPMENT_JWKS,
      bodyLimit: '64kb',
      rateLimit: { limit: 600, windowSeconds: 60 },
      outboxReadyMaxAgeSeconds: 300,
      outboxScanIntervalMs: 15_000,
      consumerReadyMaxLag: 50_000,
      consumerKeyConcurrency: 8,
    });
  });

  it('reads the environment', () => {
    const config = loadServiceConfig('intake', 3001, {
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGO_DB: 'intake_prod',
      KAFKA_GROUP_ID: 'intake-v2',
      AUTH_JWKS: productionJwks,
    });
    expect(config).toMatchObject({ env: 'production', port: 8080, host: '0.0.0.0', mongoDb: 'intake_prod', kafkaGroupId: 'intake-v2', authKeys: productionKeys });
  });

  it.each(['abc', '0', '70000', '80.5'])('rejects PORT=%s with a message naming the variable', (port) => {
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', PORT: port })).toThrow(/invalid configuration for intake: PORT/);
  });

  it('rejects other bad values, naming each', () => {
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'prod' })).toThrow(/NODE_ENV/);
    expect(() => loadServiceConfig('intake', 3001, { MONGO_URL: 'postgres://x' })).toThrow(/MONGO_URL/);
    expect(() => loadServiceConfig('intake', 3001, { MONGO_DB: 'a.b' })).toThrow(/MONGO_DB/);
    expect(() => loadServiceConfig('intake', 3001, { AUTH_JWKS: 'not json' })).toThrow(/AUTH_JWKS is not JSON/);
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', RATE_LIMIT: 'lots' })).toThrow(/RATE_LIMIT/);
    expect(loadServiceConfig('intake', 3001, { NODE_ENV: 'development', RATE_LIMIT: '20/10s' }).rateLimit).toEqual({ limit: 20, windowSeconds: 10 });
    expect(() => loadServiceConfig('intake', 3001, { AUTH_JWKS: '{"keys":[]}' })).toThrow(/AUTH_JWKS/);
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', OUTBOX_READY_MAX_AGE: '5 minutes' })).toThrow(/OUTBOX_READY_MAX_AGE: must be a positive duration/);
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', CONSUMER_READY_MAX_LAG: '-1' })).toThrow(/CONSUMER_READY_MAX_LAG/);
    expect(loadServiceConfig('intake', 3001, { NODE_ENV: 'development', OUTBOX_READY_MAX_AGE: '90s' }).outboxReadyMaxAgeSeconds).toBe(90);
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', CONSUMER_KEY_CONCURRENCY: '0' })).toThrow(/CONSUMER_KEY_CONCURRENCY/);
    expect(loadServiceConfig('intake', 3001, { NODE_ENV: 'development' }).consumerKeyConcurrency).toBe(8);
    expect(loadServiceConfig('intake', 3001, { NODE_ENV: 'development', CONSUMER_KEY_CONCURRENCY: '1' }).consumerKeyConcurrency).toBe(1);
  });

  it('reads a service’s own settings through zod, naming each bad variable', () => {
    const shape = { REMIND_AFTER: durationSetting('7d'), PER_NEED: z.coerce.number().int().min(1).default(5) };
    expect(loadServiceSettings('matching', shape, {})).toEqual({ REMIND_AFTER: 7 * 86_400, PER_NEED: 5 });
    expect(loadServiceSettings('matching', shape, { REMIND_AFTER: '36h', PER_NEED: '3' })).toEqual({ REMIND_AFTER: 36 * 3600, PER_NEED: 3 });
    expect(() => loadServiceSettings('matching', shape, { REMIND_AFTER: '1 week', PER_NEED: 'five' })).toThrow(
      /invalid configuration for matching: REMIND_AFTER: must be a positive duration .*; PER_NEED: /,
    );
  });

  it('trusts the development key only when NODE_ENV=development is said explicitly', () => {
    for (const env of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'test' }]) {
      expect(() => loadServiceConfig('intake', 3001, env)).toThrow(/AUTH_JWKS \(or AUTH_JWKS_FILE\) must be set/);
    }
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'production', AUTH_JWKS: JSON.stringify(DEVELOPMENT_JWKS) })).toThrow(/development key in production/);
    expect(loadServiceConfig('intake', 3001, { AUTH_JWKS: productionJwks })).toMatchObject({ env: 'production', authKeys: productionKeys });
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'test', AUTH_JWKS: productionJwks })).not.toThrow();
  });

  it('refuses a key set holding a private key: services verify tokens, they cannot sign one', () => {
    const withPrivate = JSON.stringify({ keys: [DEVELOPMENT_SIGNING_KEY] });
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', AUTH_JWKS: withPrivate })).toThrow(/private key member/);
  });
});
