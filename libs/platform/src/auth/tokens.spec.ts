import { SignJWT } from 'jose';
import { MAX_TOKEN_LIFETIME_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER, signToken, verifyToken } from './tokens';

const secret = 'a-test-secret-that-is-long-enough-1234';

describe(verifyToken.name, () => {
  it('reads back a broker with its park', async () => {
    const token = await signToken({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' }, secret);
    await expect(verifyToken(token, secret)).resolves.toEqual({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
  });

  it('reads back an analyst without a park', async () => {
    const token = await signToken({ subject: 'analyst-1', role: 'analyst' }, secret);
    await expect(verifyToken(token, secret)).resolves.toEqual({ subject: 'analyst-1', role: 'analyst' });
  });

  it('rejects a token signed with another secret, or tampered with', async () => {
    const token = await signToken({ subject: 'analyst-1', role: 'analyst' }, secret);
    await expect(verifyToken(token, 'another-secret-that-is-long-enough-5678')).rejects.toThrow();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'analyst-1', role: 'broker', park: 'p', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: 4e9 })).toString('base64url');
    await expect(verifyToken(`${header}.${forged}.${signature}`, secret)).rejects.toThrow();
  });

  it('rejects a broker token without a park, and unknown roles', async () => {
    await expect(verifyToken(await signToken({ subject: 'broker-007', role: 'broker' }, secret), secret)).rejects.toThrow();
    await expect(verifyToken(await signToken({ subject: 'x', role: 'root' as never }, secret), secret)).rejects.toThrow();
    await expect(verifyToken(await signToken({ subject: 'ops-1', role: 'admin' }, secret), secret)).resolves.toEqual({ subject: 'ops-1', role: 'admin' });
    await expect(
      verifyToken(await signToken({ subject: 'b', role: 'broker', parkId: '../other park' }, secret), secret),
    ).rejects.toThrow();
  });

  it('rejects expired tokens, another issuer or audience, and unsigned tokens', async () => {
    const key = new TextEncoder().encode(secret);
    const base = () => new SignJWT({ role: 'analyst' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt();
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime(now - 60).sign(key), secret)).rejects.toThrow();
    await expect(verifyToken(await base().setIssuer('someone-else').setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(key), secret)).rejects.toThrow();
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience('other-api').setExpirationTime('1h').sign(key), secret)).rejects.toThrow();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', role: 'analyst', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE })).toString('base64url')}.`;
    await expect(verifyToken(none, secret)).rejects.toThrow();
    // The same claims properly signed pass, so the rejections above are about what was changed.
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(key), secret)).resolves.toEqual({ subject: 'a', role: 'analyst' });
  });

  it('rejects tokens without an expiry, valid for longer than a day, or with an overlong or odd subject', async () => {
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(Date.now() / 1000);
    const token = (sub: string, iat: number | undefined, exp: number | undefined) => {
      let jwt = new SignJWT({ role: 'analyst' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE);
      if (iat !== undefined) jwt = jwt.setIssuedAt(iat);
      if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
      return jwt.sign(key);
    };
    await expect(verifyToken(await token('a', now, undefined), secret)).rejects.toThrow(); // no exp
    await expect(verifyToken(await token('a', undefined, now + 3600), secret)).rejects.toThrow(); // no iat
    await expect(verifyToken(await token('a', now, now + 100 * 365 * 86400), secret)).rejects.toThrow(/at most/); // 100 years
    await expect(verifyToken(await token('a', now, now + MAX_TOKEN_LIFETIME_SECONDS + 1), secret)).rejects.toThrow(/at most/);
    await expect(verifyToken(await token('b'.repeat(65), now, now + 3600), secret)).rejects.toThrow();
    await expect(verifyToken(await token('a\u0000b', now, now + 3600), secret)).rejects.toThrow();
    // The limits themselves pass.
    await expect(verifyToken(await token('b'.repeat(64), now, now + MAX_TOKEN_LIFETIME_SECONDS), secret)).resolves.toEqual({ subject: 'b'.repeat(64), role: 'analyst' });
  });
});
