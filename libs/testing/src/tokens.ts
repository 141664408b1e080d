import { signToken } from '@tt/platform';

/** The secret the services use when AUTH_TOKEN_SECRET is not set (local runs and tests only). */
export const TEST_TOKEN_SECRET = process.env.AUTH_TOKEN_SECRET ?? 'local-development-secret-do-not-deploy';

export const brokerToken = (parkId: string, subject = `broker-${parkId}`) =>
  signToken({ subject, role: 'broker', parkId }, TEST_TOKEN_SECRET);

export const analystToken = (subject = 'analyst-1') => signToken({ subject, role: 'analyst' }, TEST_TOKEN_SECRET);

export const adminToken = (subject = 'admin-1') => signToken({ subject, role: 'admin' }, TEST_TOKEN_SECRET);
