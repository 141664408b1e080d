import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';

/**
 * Services hold only public keys: a JWKS from configuration (AUTH_JWKS, or AUTH_JWKS_FILE), as an
 * OIDC provider or the district's identity service publishes it. A key set with any private member
 * is refused, so no service can mint a token. Signing keys live with the issuer (`npm run token`
 * locally, with AUTH_SIGNING_KEY or the development key below).
 */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;

/** JWK members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The development key pair: published here, so accepted only by services told NODE_ENV=development. */
export const DEVELOPMENT_SIGNING_KEY: JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: 'xiY8ZuTrRrbixfWsIatXu2m3a4W9DiwMImnkocX_gog',
  d: 'YfKufFAa7IOZLxVjLXhs7eE7dXAwgpuWtnmMWwBXBXA',
  kid: 'development-do-not-deploy',
  alg: 'EdDSA',
  use: 'sig',
};
export const DEVELOPMENT_JWKS: JSONWebKeySet = { keys: [publicPart(DEVELOPMENT_SIGNING_KEY)] };

const jwk = z
  .looseObject({ kty: z.enum(['OKP', 'EC', 'RSA']), kid: z.string().min(1).max(200), alg: z.enum(SIGNING_ALGORITHMS).optional(), use: z.literal('sig').optional() })
  .refine((k) => PRIVATE_MEMBERS.every((m) => !(m in k)), { message: 'holds a private key member: a service gets public keys only' });
const jwks = z.object({ keys: z.array(jwk).min(1).max(20) });

/** Parses and checks a JWKS text; throws with what is wrong. */
export function parseJwks(text: string, name = 'AUTH_JWKS'): JSONWebKeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`invalid configuration: ${name} is not JSON`);
  }
  const parsed = jwks.safeParse(json);
  if (!parsed.success) throw new Error(`invalid configuration: ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data as JSONWebKeySet;
}

/** The public half of a key: what goes into a JWKS. */
export function publicPart(key: JWK): JWK {
  return Object.fromEntries(Object.entries(key).filter(([k]) => !(PRIVATE_MEMBERS as readonly string[]).includes(k))) as JWK;
}

export const isDevelopmentKeySet = (set: JSONWebKeySet): boolean => set.keys.some((k) => k.kid === DEVELOPMENT_SIGNING_KEY.kid || k.x === DEVELOPMENT_SIGNING_KEY.x);
