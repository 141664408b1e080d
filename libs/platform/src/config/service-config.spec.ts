import { DEVELOPMENT_JWKS, DEVELOPMENT_SIGNING_KEY } from '../auth/keys';
import { loadServiceConfig } from './service-config';

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
