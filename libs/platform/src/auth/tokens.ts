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

const claims = z.discriminatedUnion('role', [
  z.object({ sub: z.string().min(1), role: z.literal('broker'), park: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
  z.object({ sub: z.string().min(1), role: z.literal('analyst') }),
]);

export async function verifyToken(token: string, secret: string): Promise<Principal> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
    issuer: TOKEN_ISSUER,
    audience: TOKEN_AUDIENCE,
    algorithms: ['HS256'],
  });
  const parsed = claims.parse(payload);
  return parsed.role === 'broker'
    ? { subject: parsed.sub, role: 'broker', parkId: parsed.park }
    : { subject: parsed.sub, role: 'analyst' };
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
