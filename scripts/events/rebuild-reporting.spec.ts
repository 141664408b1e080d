import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rebuildReporting, rebuildToken, rebuiltServiceTrust } from './rebuild-reporting';

/** The rebuilt reporting trusts the deployment's key set and reads totals with the operator's token: no key of its own. */
describe('reporting rebuild access', () => {
  const JWKS = '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc","kid":"k1"}]}';

  it("passes the operator's AUTH_JWKS / AUTH_JWKS_FILE through to the rebuilt service", () => {
    expect(rebuiltServiceTrust(undefined, { AUTH_JWKS: JWKS })).toEqual({ AUTH_JWKS: JWKS, AUTH_JWKS_FILE: undefined });
    expect(rebuiltServiceTrust(undefined, { AUTH_JWKS_FILE: '/etc/tt/jwks.json', NODE_ENV: 'production' })).toEqual({ AUTH_JWKS: undefined, AUTH_JWKS_FILE: '/etc/tt/jwks.json' });
  });

  it('refuses to start without a key set, unless NODE_ENV=development (where reporting falls back to the development key)', () => {
    for (const env of [{}, { NODE_ENV: 'production' }, { NODE_ENV: 'test' }, { AUTH_JWKS: '', AUTH_JWKS_FILE: '' }]) {
      expect(() => rebuiltServiceTrust(undefined, env)).toThrow(/set AUTH_JWKS \(or AUTH_JWKS_FILE\)/);
    }
    // Nothing set for the child: its own config decides (the development key, with NODE_ENV=development).
    expect(rebuiltServiceTrust(undefined, { NODE_ENV: 'development' })).toEqual({ AUTH_JWKS: undefined, AUTH_JWKS_FILE: undefined });
  });

  it("takes a key set given by the caller instead of the environment's, replacing both variables", () => {
    expect(rebuiltServiceTrust({ AUTH_JWKS: JWKS }, { AUTH_JWKS_FILE: '/etc/tt/other.json' })).toEqual({ AUTH_JWKS: JWKS, AUTH_JWKS_FILE: undefined });
  });

  it('reads the totals with the given token or REBUILD_TOKEN, and refuses without one', () => {
    expect(rebuildToken('given.jwt', { REBUILD_TOKEN: 'env.jwt' })).toBe('given.jwt');
    expect(rebuildToken(undefined, { REBUILD_TOKEN: ' env.jwt\n' })).toBe('env.jwt');
    expect(() => rebuildToken(undefined, {})).toThrow(/set REBUILD_TOKEN/);
    expect(() => rebuildToken('  \n', {})).toThrow(/set REBUILD_TOKEN/);
  });

  it('refuses before it reads Kafka or MongoDB', async () => {
    const saved = { AUTH_JWKS: process.env.AUTH_JWKS, AUTH_JWKS_FILE: process.env.AUTH_JWKS_FILE, NODE_ENV: process.env.NODE_ENV, REBUILD_TOKEN: process.env.REBUILD_TOKEN };
    try {
      delete process.env.AUTH_JWKS;
      delete process.env.AUTH_JWKS_FILE;
      delete process.env.REBUILD_TOKEN;
      process.env.NODE_ENV = 'production';
      // A broker and store that do not exist: the refusal must come first.
      await expect(rebuildReporting({ mongoUrl: 'mongodb://127.0.0.1:1/' })).rejects.toThrow(/set AUTH_JWKS/);
      await expect(rebuildReporting({ mongoUrl: 'mongodb://127.0.0.1:1/', trust: { AUTH_JWKS: JWKS } })).rejects.toThrow(/set REBUILD_TOKEN/);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('holds no test key: the command never imports the test harness', () => {
    const source = readFileSync(join(__dirname, 'rebuild-reporting.ts'), 'utf8');
    expect(source).not.toMatch(/@tt\/testing|libs\/testing|TEST_JWKS|TEST_SIGNING_KEY|DEVELOPMENT_SIGNING_KEY|signToken/);
  });
});
