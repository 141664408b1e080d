/**
 * .env.example (the template for the .env docker-compose.yml reads) cannot drift from the compose
 * file: every variable the compose file interpolates is listed, with a comment, and with no value for
 * the required ones (no secret is ever committed); nothing is listed that the compose file no longer
 * reads. Git ignores .env but not .env.example.
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const ENV_EXAMPLE = path.join(ROOT, '.env.example');

interface Interpolation {
  name: string;
  required: boolean;
}

/** Every `${VAR…}` / `$VAR` in a string as compose interpolates it; `$$` is a literal `$`. */
const interpolationsIn = (text: string): Interpolation[] =>
  [...text.matchAll(/\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g)]
    .filter((m) => m[0] !== '$$')
    .map((m) => ({ name: m[1] ?? m[3], required: /^:?\?/.test(m[2] ?? '') }));

/** Compose interpolates keys and values, not YAML comments: walk the parsed document. */
const stringsOf = (node: unknown): string[] => {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringsOf);
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => [k, ...stringsOf(v)]);
  return [];
};

const interpolations = stringsOf(parse(readFileSync(COMPOSE_FILE, 'utf8'))).flatMap(interpolationsIn);
const readByCompose = [...new Set(interpolations.map((i) => i.name))].sort();
const requiredByCompose = [...new Set(interpolations.filter((i) => i.required).map((i) => i.name))].sort();

const exampleLines = readFileSync(ENV_EXAMPLE, 'utf8').split('\n');
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const example = new Map(exampleLines.flatMap((line) => (ASSIGNMENT.test(line) ? [[ASSIGNMENT.exec(line)![1], ASSIGNMENT.exec(line)![2]] as const] : [])));

describe('.env.example', () => {
  it('finds the variables docker-compose.yml requires', () => {
    // Sanity check of the scan itself: the JWKS, Grafana's password and six Kafka passwords at least.
    expect(requiredByCompose).toEqual(expect.arrayContaining(['AUTH_JWKS', 'GRAFANA_ADMIN_PASSWORD', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_BROKER_PASSWORD']));
    expect(requiredByCompose.length).toBeGreaterThanOrEqual(8);
  });

  it.each(requiredByCompose)('lists %s, which docker-compose.yml requires (${VAR:?…}), with an empty value', (name) => {
    expect({ name, listed: example.has(name) }).toEqual({ name, listed: true });
    expect({ name, value: example.get(name) }).toEqual({ name, value: '' });
  });

  it('lists every variable docker-compose.yml reads, and none it does not', () => {
    expect([...example.keys()].sort()).toEqual(readByCompose);
  });

  it('says what each variable is: a comment right above it or above its group', () => {
    exampleLines.forEach((line, i) => {
      if (!ASSIGNMENT.test(line)) return;
      let above = i - 1;
      while (above >= 0 && ASSIGNMENT.test(exampleLines[above])) above--;
      expect({ line, comment: exampleLines[above]?.startsWith('#') ?? false }).toEqual({ line, comment: true });
    });
  });

  it('tells how to make the secrets and to keep .env at mode 0600', () => {
    const text = exampleLines.join('\n');
    expect(text).toContain('openssl rand -hex 24');
    expect(text).toContain('node scripts/token.cjs keygen');
    expect(text).toMatch(/\b(chmod|install -m) 0?600\b/);
  });

  it('is not ignored by git, while .env is', () => {
    const ignored = (file: string) => spawnSync('git', ['check-ignore', '--no-index', '-q', file], { cwd: ROOT }).status;
    expect(ignored('.env')).toBe(0);
    expect(ignored('.env.production')).toBe(0);
    expect(ignored('.env.example')).toBe(1);
  });
});
