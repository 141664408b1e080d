import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { SIGNING_ALGORITHMS } from './keys';
import type { Principal } from './principal';

/**
 * Bearer tokens are JWTs signed by the district's identity service (or `npm run token` locally) with
 * an asymmetric key (EdDSA; ES256 and RS256 as OIDC providers use), and verified by the services with
 * the public keys of a JWKS from configuration (see keys.ts): a service can check a token, never make one.
 */
export const TOKEN_ISSUER = 'techtransfer-brokerage';
export const TOKEN_AUDIENCE = 'techtransfer-api';

/** The longest a token may be valid: one working day and a margin. Longer-lived tokens are refused. */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * Identity claims are bounded like any other input: they end up in stored documents and in event
 * payloads (`brokerId` is at most 64 characters there), so an overlong `sub` must fail here, as a
 * 401, not later as a 500.
 */
const subject = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/);
const lifetime = { iat: z.number().int(), exp: z.number().int() };
const claims = z
  .discriminatedUnion('role', [
    z.object({ sub: subject, role: z.literal('broker'), park: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), ...lifetime }),
    z.object({ sub: subject, role: z.literal('analyst'), ...lifetime }),
    z.object({ sub: subject, role: z.literal('admin'), ...lifetime }),
  ])
  .refine((c) => c.exp - c.iat <= MAX_TOKEN_LIFETIME_SECONDS, { message: `tokens may be valid for at most ${MAX_TOKEN_LIFETIME_SECONDS} s` });

/** How far a token's `iat` may lie ahead of this server's clock (clocks drift; a decade ahead is forgery). */
export const CLOCK_SKEW_SECONDS = 60;

/**
 * A JWT in its one canonical form: three base64url segments without padding, each the exact encoding
 * of its bytes (no `=`, no standard-base64 `+` or `/`, and the unused low bits of the last character
 * zero). The signature check alone accepts several spellings of one signature; a token is an
 * identifier too (logs, replay checks), so only one spelling is valid.
 */
function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split('.');
  if (segments.length !== 3) return false;
  return segments.every((s) => /^[A-Za-z0-9_-]+$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s);
}

/** The verifier's view of a JWKS: picks the key by the token's `kid` and algorithm. */
export const keyResolver = (set: JSONWebKeySet): JWTVerifyGetKey => createLocalJWKSet(set);

export async function verifyToken(token: string, keys: JWTVerifyGetKey, now: number = Math.floor(Date.now() / 1000)): Promise<Principal> {
  return (await verifiedClaims(token, keys, now)).principal;
}

/** Who the token names, and until when (its `exp`, seconds since the epoch) it is valid. */
async function verifiedClaims(token: string, keys: JWTVerifyGetKey, now: number): Promise<{ principal: Principal; expiresAt: number }> {
  if (!isCanonicalCompactJws(token)) throw new Error('the token is not a canonical compact JWS (base64url, no padding)');
  const { payload } = await jwtVerify(token, keys, {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: [...SIGNING_ALGORITHMS],
    requiredClaims: ['exp', 'iat', 'sub'],
    currentDate: new Date(now * 1000),
  });
  const parsed = claims.parse(payload);
  // Held to its lifetime from now, not from what it claims: a token "issued" ten years ahead with a
  // 23-hour span would otherwise be good for ten years. With iat at most the skew ahead, and exp − iat
  // at most a day (above), no token is valid for more than a day (and the skew) from now.
  if (parsed.iat > now + CLOCK_SKEW_SECONDS) throw new Error('the token was issued in the future');
  const principal: Principal =
    parsed.role === 'broker' ? { subject: parsed.sub, role: 'broker', parkId: parsed.park } : { subject: parsed.sub, role: parsed.role };
  return { principal, expiresAt: parsed.exp };
}

/** How many verified tokens one instance remembers (a broker's token is sent with every request of a working day). */
export const VERIFIED_TOKENS_KEPT = 5_000;

/**
 * Tokens this instance has verified, each remembered until its `exp`: a broker sends the same token
 * with every request of the day, and checking its signature again each time was the costliest step
 * of a request's authentication (an Ed25519 verification, about 4 % of intake's CPU under load). The
 * keys come from configuration and do not change while the process runs, so a signature valid once
 * stays valid; expiry is checked on every use. Only tokens that passed are kept (a flood of forged
 * ones evicts nothing), at most VERIFIED_TOKENS_KEPT, the oldest verified dropped first.
 */
export class VerifiedTokens {
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly kept = VERIFIED_TOKENS_KEPT,
  ) {}

  async principalOf(token: string, now: number = Math.floor(Date.now() / 1000)): Promise<Principal> {
    const known = this.verified.get(token);
    if (known && known.expiresAt > now) return known.principal;
    if (known) this.verified.delete(token);
    const claims = await verifiedClaims(token, this.keys, now);
    if (this.verified.size >= this.kept) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return claims.principal;
  }

  get size(): number {
    return this.verified.size;
  }
}

/** For the issuer's side only (`npm run token`, tests): services never hold a signing key. */
export async function signToken(principal: Principal, signingKey: JWK, expiresIn = '12h'): Promise<string> {
  const alg = signingKey.alg ?? 'EdDSA';
  return new SignJWT({ role: principal.role, ...(principal.parkId ? { park: principal.parkId } : {}) })
    .setProtectedHeader({ alg, ...(signingKey.kid ? { kid: signingKey.kid } : {}) })
    .setSubject(principal.subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(await importJWK(signingKey, alg));
}
