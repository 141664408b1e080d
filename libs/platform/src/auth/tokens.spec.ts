import { generateKeyPairSync } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { publicPart } from './keys';
import { CLOCK_SKEW_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, TOKEN_AUDIENCE, TOKEN_ISSUER, keyResolver, signToken as sign, verifyToken as verify, VerifiedTokens } from './tokens';
import type { JWTVerifyGetKey } from 'jose';

const newKey = (kid: string): JWK => ({ ...(generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'EdDSA' });
/** The issuer's key; the verifier holds only its public half. */
const issuerKey = newKey('issuer-1');
const verifierKeys = keyResolver({ keys: [publicPart(issuerKey)] });
const signToken = (principal: Parameters<typeof sign>[0], key: JWK = issuerKey) => sign(principal, key);
const verifyToken = verify;

describe(verifyToken.name, () => {
  it('reads back a broker with its park', async () => {
    const token = await signToken({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
    await expect(verifyToken(token, verifierKeys)).resolves.toEqual({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
  });

  it('reads back an analyst without a park', async () => {
    const token = await signToken({ subject: 'analyst-1', role: 'analyst' });
    await expect(verifyToken(token, verifierKeys)).resolves.toEqual({ subject: 'analyst-1', role: 'analyst' });
  });

  it('rejects a token signed with another key (even under a known kid), or tampered with', async () => {
    const token = await signToken({ subject: 'analyst-1', role: 'analyst' });
    await expect(verifyToken(token, keyResolver({ keys: [publicPart(newKey('issuer-1'))] }))).rejects.toThrow();
    await expect(verifyToken(await signToken({ subject: 'analyst-1', role: 'analyst' }, newKey('issuer-1')), verifierKeys)).rejects.toThrow();
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'analyst-1', role: 'broker', park: 'p', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: 4e9 })).toString('base64url');
    await expect(verifyToken(`${header}.${forged}.${signature}`, verifierKeys)).rejects.toThrow();
  });

  it('rejects a broker token without a park, and unknown roles', async () => {
    await expect(verifyToken(await signToken({ subject: 'broker-007', role: 'broker' }), verifierKeys)).rejects.toThrow();
    await expect(verifyToken(await signToken({ subject: 'x', role: 'root' as never }), verifierKeys)).rejects.toThrow();
    await expect(verifyToken(await signToken({ subject: 'ops-1', role: 'admin' }), verifierKeys)).resolves.toEqual({ subject: 'ops-1', role: 'admin' });
    await expect(
      verifyToken(await signToken({ subject: 'b', role: 'broker', parkId: '../other park' }), verifierKeys),
    ).rejects.toThrow();
  });

  it('rejects expired tokens, another issuer or audience, unsigned tokens, and HS256 tokens keyed with the public key', async () => {
    const key = await importJWK(issuerKey, 'EdDSA');
    const base = () => new SignJWT({ role: 'analyst' }).setProtectedHeader({ alg: 'EdDSA', kid: 'issuer-1' }).setSubject('a').setIssuedAt();
    // The classic algorithm-confusion forgery: HS256 with the (public) key bytes as the secret.
    const confused = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'issuer-1' })
      .setSubject('a')
      .setIssuedAt()
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(issuerKey.x!));
    await expect(verifyToken(confused, verifierKeys)).rejects.toThrow();
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime(now - 60).sign(key), verifierKeys)).rejects.toThrow();
    await expect(verifyToken(await base().setIssuer('someone-else').setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(key), verifierKeys)).rejects.toThrow();
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience('other-api').setExpirationTime('1h').sign(key), verifierKeys)).rejects.toThrow();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', role: 'analyst', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE })).toString('base64url')}.`;
    await expect(verifyToken(none, verifierKeys)).rejects.toThrow();
    // The same claims properly signed pass, so the rejections above are about what was changed.
    await expect(verifyToken(await base().setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(key), verifierKeys)).resolves.toEqual({ subject: 'a', role: 'analyst' });
  });

  it('rejects tokens without an expiry, valid for longer than a day, or with an overlong or odd subject', async () => {
    const key = await importJWK(issuerKey, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const token = (sub: string, iat: number | undefined, exp: number | undefined) => {
      let jwt = new SignJWT({ role: 'analyst' }).setProtectedHeader({ alg: 'EdDSA', kid: 'issuer-1' }).setSubject(sub).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE);
      if (iat !== undefined) jwt = jwt.setIssuedAt(iat);
      if (exp !== undefined) jwt = jwt.setExpirationTime(exp);
      return jwt.sign(key);
    };
    await expect(verifyToken(await token('a', now, undefined), verifierKeys)).rejects.toThrow(); // no exp
    await expect(verifyToken(await token('a', undefined, now + 3600), verifierKeys)).rejects.toThrow(); // no iat
    await expect(verifyToken(await token('a', now, now + 100 * 365 * 86400), verifierKeys)).rejects.toThrow(/at most/); // 100 years
    await expect(verifyToken(await token('a', now, now + MAX_TOKEN_LIFETIME_SECONDS + 1), verifierKeys)).rejects.toThrow(/at most/);
    await expect(verifyToken(await token('b'.repeat(65), now, now + 3600), verifierKeys)).rejects.toThrow();
    await expect(verifyToken(await token('a\u0000b', now, now + 3600), verifierKeys)).rejects.toThrow();
    // The limits themselves pass.
    await expect(verifyToken(await token('b'.repeat(64), now, now + MAX_TOKEN_LIFETIME_SECONDS), verifierKeys)).resolves.toEqual({ subject: 'b'.repeat(64), role: 'analyst' });
  });

  it('holds a token to its lifetime from now: an iat in the future, or an expiry over a day away, is refused', async () => {
    const key = await importJWK(issuerKey, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const token = (iat: number, exp: number) =>
      new SignJWT({ role: 'analyst' }).setProtectedHeader({ alg: 'EdDSA', kid: 'issuer-1' }).setSubject('a').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setIssuedAt(iat).setExpirationTime(exp).sign(key);
    const tenYears = 10 * 365 * 86400;
    await expect(verifyToken(await token(now + tenYears, now + tenYears + 23 * 3600), verifierKeys)).rejects.toThrow(/future/);
    await expect(verifyToken(await token(now + CLOCK_SKEW_SECONDS + 5, now + 3600), verifierKeys)).rejects.toThrow(/future/);
    await expect(verifyToken(await token(now + CLOCK_SKEW_SECONDS + 5, now + MAX_TOKEN_LIFETIME_SECONDS), verifierKeys)).rejects.toThrow(/future/);
    await expect(verifyToken(await token(now - 3600, now + MAX_TOKEN_LIFETIME_SECONDS + 5), verifierKeys)).rejects.toThrow(/at most/);
    // Within the clock skew it passes: clocks drift a little.
    await expect(verifyToken(await token(now + 30, now + 3600), verifierKeys)).resolves.toEqual({ subject: 'a', role: 'analyst' });
  });

  it('accepts only the canonical encoding of a token', async () => {
    const token = await signToken({ subject: 'a', role: 'analyst' });
    await expect(verifyToken(token, verifierKeys)).resolves.toEqual({ subject: 'a', role: 'analyst' });
    const [header, payload, signature] = token.split('.');
    const flipLowBit = (s: string) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s[s.length - 1]);
      return s.slice(0, -1) + alphabet[last ^ 1];
    };
    const variants = [
      `${header}.${payload}.${signature}==`, // padding
      `${header}.${payload}.${Buffer.from(signature, 'base64url').toString('base64')}`, // standard base64
      `${header}.${payload}.${flipLowBit(signature)}`, // an unused bit set: the same bytes, another spelling
      `${header}.${payload}.${signature}.`, // a fourth segment
    ];
    for (const variant of variants) {
      expect(variant).not.toBe(token);
      await expect(verifyToken(variant, verifierKeys)).rejects.toThrow();
    }
  });
});

describe(VerifiedTokens.name, () => {
  /** The verifier's keys, counting how often a signature is checked. */
  const countingKeys = () => {
    const keys = Object.assign((...args: Parameters<JWTVerifyGetKey>) => {
      keys.lookups += 1;
      return verifierKeys(...args);
    }, { lookups: 0 });
    return keys;
  };

  it('checks a token once, then answers from memory until the token expires', async () => {
    const keys = countingKeys();
    const tokens = new VerifiedTokens(keys);
    const now = Math.floor(Date.now() / 1000);
    const token = await signToken({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
    await expect(tokens.principalOf(token, now)).resolves.toEqual({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
    await expect(tokens.principalOf(token, now + 60)).resolves.toEqual({ subject: 'broker-007', role: 'broker', parkId: 'park-binjiang' });
    expect(keys.lookups).toBe(1);
    // signToken's tokens live 12 hours: past that, the remembered answer is not used, and the token fails.
    await expect(tokens.principalOf(token, now + 12 * 3600 + 1)).rejects.toThrow();
    expect(keys.lookups).toBe(2);
    expect(tokens.size).toBe(0);
  });

  it('remembers no token that failed, and at most the given number of tokens', async () => {
    const keys = countingKeys();
    const tokens = new VerifiedTokens(keys, 2);
    const forged = await signToken({ subject: 'a', role: 'analyst' }, newKey('issuer-1'));
    await expect(tokens.principalOf(forged)).rejects.toThrow();
    await expect(tokens.principalOf(forged)).rejects.toThrow();
    expect(keys.lookups).toBe(2);
    expect(tokens.size).toBe(0);
    const [first, second, third] = await Promise.all(['a', 'b', 'c'].map((subject) => signToken({ subject, role: 'analyst' })));
    for (const token of [first, second, third]) await tokens.principalOf(token);
    expect(tokens.size).toBe(2);
    await tokens.principalOf(third); // still remembered
    expect(keys.lookups).toBe(5);
    await tokens.principalOf(first); // the oldest, dropped: checked again
    expect(keys.lookups).toBe(6);
  });
});
