import { kafkaAuthFromEnv, kafkaBrokersFromEnv } from './kafka-client';

describe('kafkaBrokersFromEnv', () => {
  it('defaults to the local dev broker and splits a comma-separated list', () => {
    expect(kafkaBrokersFromEnv({})).toEqual(['127.0.0.1:19092']);
    expect(kafkaBrokersFromEnv({ KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9092 ,' })).toEqual(['kafka-1:9092', 'kafka-2:9092']);
  });
});

describe('kafkaAuthFromEnv', () => {
  it('is open (no SASL, no TLS) when nothing is set: the local dev broker', () => {
    expect(kafkaAuthFromEnv({})).toEqual({});
    expect(kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: '', KAFKA_SSL: 'false' })).toEqual({});
  });

  it.each(['scram-sha-512', 'scram-sha-256', 'plain'])('passes %s with its username and password to kafkajs', (mechanism) => {
    expect(kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'matching', KAFKA_SASL_PASSWORD: 's3cret' })).toEqual({
      sasl: { mechanism, username: 'matching', password: 's3cret' },
    });
  });

  it("accepts Kafka's own spelling of the mechanism", () => {
    expect(kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'intake', KAFKA_SASL_PASSWORD: 'pw' }).sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'intake',
      password: 'pw',
    });
  });

  it('keeps the password exactly as given (no trimming or decoding)', () => {
    const password = ' p@ss=w,rd;"$x ';
    expect(kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: password }).sasl).toMatchObject({ password });
  });

  it('turns TLS on with KAFKA_SSL=true, alone or with SASL', () => {
    expect(kafkaAuthFromEnv({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
    expect(kafkaAuthFromEnv({ KAFKA_SSL: 'TRUE', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it('rejects an unknown mechanism, naming the accepted ones', () => {
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(
      /KAFKA_SASL_MECHANISM must be one of scram-sha-512, scram-sha-256, plain \(got 'gssapi'\)/,
    );
  });

  it('rejects a mechanism without a username or password, naming what is missing', () => {
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(/needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' })).toThrow(/needs KAFKA_SASL_PASSWORD$/);
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/needs KAFKA_SASL_USERNAME$/);
  });

  it('rejects credentials without a mechanism instead of connecting unauthenticated', () => {
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/KAFKA_SASL_MECHANISM is not/);
    expect(() => kafkaAuthFromEnv({ KAFKA_SASL_PASSWORD: 'p' })).toThrow(/KAFKA_SASL_MECHANISM is not/);
  });

  it('rejects a KAFKA_SSL that is neither true nor false', () => {
    expect(() => kafkaAuthFromEnv({ KAFKA_SSL: 'yes' })).toThrow(/KAFKA_SSL must be 'true' or 'false' \(got 'yes'\)/);
  });
});
