import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Principal } from './principal';

/**
 * Bearer tokens are JWTs signed with HS256 and a key from configuration (AUTH_TOKEN_SECRET), issued by
 * the district's identity service (or `npm run token` locally). Simple by design for now; an OIDC
 * provider can replace the verifier without touching the routes.
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

export async function verifyToken(token: string, secret: string): Promise<Principal> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: ['HS256'],
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  const parsed = claims.parse(payload);
  return parsed.role === 'broker'
    ? { subject: parsed.sub, role: 'broker', parkId: parsed.park }
    : { subject: parsed.sub, role: parsed.role };
}

export async function signToken(principal: Principal, secret: string, expiresIn = '12h'): Promise<string> {
  return new SignJWT({ role: principal.role, ...(principal.parkId ? { park: principal.parkId } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(principal.subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
