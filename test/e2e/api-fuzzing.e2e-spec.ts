import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_RULES, RULES_EXTENSION } from '@tt/platform';
import { adminToken, analystToken, brokerToken, REPO_ROOT, TestSystem, type ServiceName } from '@tt/testing';

/** Installed by scripts/test.sh (ensure_schemathesis), pinned. */
const SCHEMATHESIS = join(REPO_ROOT, '.infra', 'schemathesis-venv', 'bin', 'schemathesis');

type Operation = { operationId: string; parameters?: { name: string; in: string; required?: boolean }[]; [RULES_EXTENSION]?: string[] };

/**
 * Every schemathesis check (none is named on the command line, so all run), configured by what the
 * document says of each operation:
 * - positive_data_acceptance (a request the schema admits must not get a 400) is off for the operations
 *   whose `x-tt-rules` name rules JSON Schema cannot express (a region in the GB/T 2260 list, the
 *   enterprise in the caller's park, …): a schema-valid request may break one of them. Every other
 *   rule is in the schemas, so everywhere else the check holds;
 * - missing_required_header also takes 428 (RFC 6585), the answer to a change without its If-Match;
 * - schemathesis 4.32.5's coverage phase sends an optional header's pattern-valid value with its double
 *   quotes dropped (`If-Match: 0` for the pattern of `"0"`), so where If-Match is optional that phase does
 *   not check positive acceptance (the fuzzing phase, which sends real ETags, still does).
 */
function schemathesisConfig(document: { paths: Record<string, Record<string, Operation>> }): string {
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
  const withRules = operations.filter((op) => (op[RULES_EXTENSION] ?? []).length > 0).map((op) => op.operationId);
  const optionalIfMatch = operations
    .filter((op) => !withRules.includes(op.operationId) && op.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match' && !p.required))
    .map((op) => op.operationId);
  const lines = ['[checks]', 'missing_required_header.expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]'];
  if (withRules.length > 0) lines.push('', '[[operations]]', `include-operation-id = ${JSON.stringify(withRules)}`, 'checks.positive_data_acceptance.enabled = false');
  if (optionalIfMatch.length > 0) lines.push('', '[[operations]]', `include-operation-id = ${JSON.stringify(optionalIfMatch)}`, 'phases.coverage.checks.positive_data_acceptance.enabled = false');
  return `${lines.join('\n')}\n`;
}

/**
 * Runs a command to its end without blocking the event loop (a spawnSync would keep the HTTP client's
 * idle keep-alive sockets from noticing the server closed them, and the next fetch would fail on one).
 */
function run(command: string, args: string[], options: { cwd: string; timeoutMs: number; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/**
 * schemathesis (from PyPI) against each service's own OpenAPI document with every check, bounded (15
 * examples per operation and phase), as each role that uses the service, on the four services on real
 * Kafka, the MongoDB-wire server and Redis. It runs in a scratch directory: its crash cache stays out of
 * the tree.
 */
describe('the OpenAPI documents hold under fuzzing', () => {
  let system: TestSystem;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tt-fuzz-'));
    system = await TestSystem.start();
  });

  afterAll(async () => {
    await system?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const runs: [ServiceName, 'broker' | 'analyst' | 'admin'][] = [
    ['intake', 'broker'],
    ['matching', 'broker'],
    ['matching', 'admin'],
    ['contract-tracking', 'broker'],
    ['reporting', 'analyst'],
    ['reporting', 'broker'],
  ];

  it.each(runs)('%s as %s: every check, no answer the document does not describe, no refusal it does not name', async (service, role) => {
    const token = role === 'broker' ? await brokerToken('park-fuzz') : role === 'admin' ? await adminToken('admin-fuzz') : await analystToken('analyst-fuzz');
    const url = system.services[service].url;
    const document = (await (await fetch(`${url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>>; [RULES_EXTENSION]?: Record<string, string> };
    // The rules an operation names are the registry's, and the document describes each one it names.
    const named = Object.values(document.paths).flatMap((item) => Object.values(item).flatMap((op) => op[RULES_EXTENSION] ?? []));
    for (const rule of named) {
      expect(Object.keys(API_RULES)).toContain(rule);
      expect(document[RULES_EXTENSION]?.[rule]).toBe(API_RULES[rule as keyof typeof API_RULES]);
    }
    const cwd = mkdtempSync(join(scratch, `${service}-${role}-`));
    writeFileSync(join(cwd, 'schemathesis.toml'), schemathesisConfig(document));
    const result = await run(
      SCHEMATHESIS,
      [
        '--config-file',
        join(cwd, 'schemathesis.toml'),
        'run',
        `${url}/docs/openapi.json`,
        '--url',
        url,
        '-H',
        `Authorization: Bearer ${token}`,
        '--max-examples',
        '15',
        '--seed',
        '20261124',
        '--request-timeout',
        '15',
        // An endless stream by design; GET /events covers the same data.
        '--exclude-path',
        '/events/stream',
      ],
      { cwd, timeoutMs: 300_000, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } },
    );
    const { output } = result;
    const summary = output.match(/(\d+) generated, /);
    // The run must have exercised the API (a wrong URL or a refused token would generate nothing useful).
    expect({ service, role, exit: result.status, failures: result.status === 0 ? [] : output.split('\n').filter((l) => /^(_{5,}|- |\[\d{3}\]|\s+curl )/.test(l)) }).toEqual({
      service,
      role,
      exit: 0,
      failures: [],
    });
    expect(Number(summary?.[1] ?? 0)).toBeGreaterThan(100);
  });
});
