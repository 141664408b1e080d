import { loadServiceConfig } from './service-config';

const strongSecret = 'production-secret-0123456789abcdef0123';

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
      authTokenSecret: expect.any(String),
      bodyLimit: '64kb',
    });
  });

  it('reads the environment', () => {
    const config = loadServiceConfig('intake', 3001, {
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      MONGO_DB: 'intake_prod',
      KAFKA_GROUP_ID: 'intake-v2',
      AUTH_TOKEN_SECRET: strongSecret,
    });
    expect(config).toMatchObject({ env: 'production', port: 8080, host: '0.0.0.0', mongoDb: 'intake_prod', kafkaGroupId: 'intake-v2', authTokenSecret: strongSecret });
  });

  it.each(['abc', '0', '70000', '80.5'])('rejects PORT=%s with a message naming the variable', (port) => {
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'development', PORT: port })).toThrow(/invalid configuration for intake: PORT/);
  });

  it('rejects other bad values, naming each', () => {
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'prod' })).toThrow(/NODE_ENV/);
    expect(() => loadServiceConfig('intake', 3001, { MONGO_URL: 'postgres://x' })).toThrow(/MONGO_URL/);
    expect(() => loadServiceConfig('intake', 3001, { MONGO_DB: 'a.b' })).toThrow(/MONGO_DB/);
    expect(() => loadServiceConfig('intake', 3001, { AUTH_TOKEN_SECRET: 'short' })).toThrow(/AUTH_TOKEN_SECRET/);
  });

  it('uses the development secret only when NODE_ENV=development is said explicitly', () => {
    const developmentSecret = loadServiceConfig('intake', 3001, { NODE_ENV: 'development' }).authTokenSecret;
    for (const env of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'test' }]) {
      expect(() => loadServiceConfig('intake', 3001, env)).toThrow(/AUTH_TOKEN_SECRET must be set/);
    }
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'production', AUTH_TOKEN_SECRET: developmentSecret })).toThrow(/not the development secret/);
    expect(loadServiceConfig('intake', 3001, { AUTH_TOKEN_SECRET: strongSecret })).toMatchObject({ env: 'production', authTokenSecret: strongSecret });
    expect(() => loadServiceConfig('intake', 3001, { NODE_ENV: 'test', AUTH_TOKEN_SECRET: strongSecret })).not.toThrow();
  });
});
