import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { publicPart, signToken } from '@tt/platform';

/**
 * The tests play the identity service: a fresh Ed25519 key pair per test process signs their tokens,
 * and the services they start are given only its public half (TEST_JWKS as AUTH_JWKS).
 */
export const TEST_SIGNING_KEY: JWK = {
  ...(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK),
  kid: `test-${process.pid}`,
  alg: 'EdDSA',
  use: 'sig',
};
export const TEST_JWKS = JSON.stringify({ keys: [publicPart(TEST_SIGNING_KEY)] });

export const brokerToken = (parkId: string, subject = `broker-${parkId}`) => signToken({ subject, role: 'broker', parkId }, TEST_SIGNING_KEY);

export const analystToken = (subject = 'analyst-1') => signToken({ subject, role: 'analyst' }, TEST_SIGNING_KEY);

export const adminToken = (subject = 'admin-1') => signToken({ subject, role: 'admin' }, TEST_SIGNING_KEY);
