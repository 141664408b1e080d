import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/**
 * The module boundaries, enforced by a test (the workspace has no eslint) over services/, libs/,
 * scripts/, test/ and deploy/:
 * - a service never imports another service (services talk through events and HTTP only);
 * - a library never imports a service;
 * - `libs/contracts` depends on nothing of ours, so every service can take it;
 * - `@tt/testing` is only imported by tests and by the benchmarks (`scripts/bench/`, measurement
 *   harnesses that start the system as the e2e tests do); never by an operator script, whose tooling
 *   is in `@tt/ops`;
 * - libraries are layered by what they are, and import only lower layers (LIBRARY_LAYERS): contracts;
 *   then observability and store; then messaging and the HTTP edge (platform, which reaches messaging
 *   only where its service kit wires the consumer and outbox: bootstrap.ts); then ops (operator
 *   tooling: a built service as a process, consumer-group catch-up); then testing, which re-exports ops.
 */
export const LIBRARY_LAYERS: Record<string, number> = { contracts: 0, observability: 1, store: 1, messaging: 2, platform: 2, ops: 3, testing: 4 };
/** The one place a library may import one of its own layer: the service kit wiring messaging into a service. */
const SERVICE_KIT = 'libs/platform/src/bootstrap.ts';
const ROOT = join(__dirname, '../../..');

interface SourceFile {
  /** Workspace-relative, with forward slashes. */
  path: string;
  source: string;
}

const IMPORT_SPECIFIER = [
  /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g,
  /\b(?:require|import|jest\.mock|jest\.requireActual)\(\s*['"]([^'"]+)['"]/g,
];

export function importSpecifiers(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return IMPORT_SPECIFIER.flatMap((pattern) => [...withoutComments.matchAll(pattern)].map((m) => m[1]));
}

const isTestFile = (path: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(path) || /(^|\/)test\//.test(path);
/** A benchmark: a measurement harness, which may start the system with the test harness. */
const isBenchmark = (path: string) => path.startsWith('scripts/bench/');
const serviceOf = (path: string) => /^services\/([^/]+)\//.exec(path)?.[1];
const libOf = (path: string) => /^libs\/([^/]+)\//.exec(path)?.[1];

/** Where a specifier points inside the workspace (relative imports and `@tt/*` aliases), if it does. */
function target(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return posix.normalize(posix.join(posix.dirname(from), specifier));
  const alias = /^@tt\/([^/]+)/.exec(specifier);
  if (alias) return `libs/${alias[1]}/src/index.ts`;
  const direct = /(?:^|\/)((?:services|libs)\/.+)$/.exec(specifier);
  return direct?.[1];
}

export function boundaryViolations(files: SourceFile[]): string[] {
  const violations: string[] = [];
  for (const { path, source } of files) {
    for (const specifier of importSpecifiers(source)) {
      const to = target(path, specifier);
      const fail = (rule: string) => violations.push(`${path}: import '${specifier}': ${rule}`);
      const before = violations.length;
      const fromService = serviceOf(path);
      const fromLib = libOf(path);
      const toService = to && serviceOf(`${to}/`);
      const toLib = to && libOf(`${to}/`);
      if (fromService && toService && toService !== fromService) fail(`service ${fromService} must not import service ${toService}`);
      if (fromLib && toService) fail('libraries must not import services');
      if (fromLib === 'contracts') {
        if (specifier.startsWith('@tt/') && specifier !== '@tt/contracts') fail('libs/contracts must not depend on our other libraries');
        else if (specifier.startsWith('.') && toLib !== 'contracts') fail('libs/contracts must not import outside itself');
      }
      if (toLib === 'testing' && fromLib !== 'testing' && !isTestFile(path) && !isBenchmark(path)) {
        fail('@tt/testing is only for tests (*.spec.ts, *.int-spec.ts, *.e2e-spec.ts, test/) and benchmarks (scripts/bench/); operator tooling is in @tt/ops');
      }
      // Layering, where no rule above already refused the import.
      if (fromLib && toLib && toLib !== fromLib && !isTestFile(path) && violations.length === before) {
        const [from, to] = [LIBRARY_LAYERS[fromLib], LIBRARY_LAYERS[toLib]];
        if (from === undefined || to === undefined) fail(`library ${from === undefined ? fromLib : toLib} has no layer in LIBRARY_LAYERS`);
        else if (to > from || (to === from && !(path === SERVICE_KIT && toLib === 'messaging')))
          fail(`libs/${fromLib} (layer ${from}) must not import libs/${toLib} (layer ${to}): a library imports only lower layers`);
      }
    }
  }
  return violations;
}

/** The top-level directories whose TypeScript is checked. */
const SCANNED = ['services', 'libs', 'scripts', 'test', 'deploy'];

function workspaceSources(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...workspaceSources(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      files.push({ path: relative(ROOT, path).split(sep).join('/'), source: readFileSync(path, 'utf8') });
    }
  }
  return files;
}

describe('module boundaries', () => {
  // This file is left out: its examples below are violations on purpose.
  const self = relative(ROOT, __filename).split(sep).join('/');
  const files = SCANNED.flatMap((dir) => workspaceSources(join(ROOT, dir))).filter((f) => f.path !== self);

  it('scans the services, libraries, scripts, tests and deploy checks', () => {
    const scanned = new Set(files.map((f) => serviceOf(f.path) ?? (libOf(f.path) ? `lib:${libOf(f.path)}` : f.path.split('/')[0])));
    expect([...scanned]).toEqual(
      expect.arrayContaining(['intake', 'matching', 'contract-tracking', 'reporting', ...Object.keys(LIBRARY_LAYERS).map((lib) => `lib:${lib}`), 'scripts', 'test', 'deploy']),
    );
    expect(files.find((f) => f.path === 'libs/contracts/src/index.ts')).toBeDefined();
    expect(files.find((f) => f.path === 'scripts/events/rebuild-reporting.ts')).toBeDefined();
    expect(dirname(join(ROOT, files[0].path)).startsWith(ROOT)).toBe(true);
  });

  it('holds in the workspace', () => {
    expect(boundaryViolations(files)).toEqual([]);
  });

  describe(boundaryViolations.name, () => {
    const check = (path: string, source: string) => boundaryViolations([{ path, source }]);

    it('reads import, export-from, require, dynamic import and jest.mock specifiers, not comments', () => {
      expect(
        importSpecifiers(`
          import 'reflect-metadata';
          import { a, b } from './a';
          import type { C } from "../c";
          import * as d from '@tt/contracts';
          export * from './e';
          export { f } from './f';
          const g = require('./g');
          const h = await import('./h');
          jest.mock('./i');
          // import { x } from './commented';
          /* import { y } from './blocked'; */
        `),
      ).toEqual(['reflect-metadata', './a', '../c', '@tt/contracts', './e', './f', './g', './h', './i']);
    });

    it('rejects a service importing another service', () => {
      expect(check('services/reporting/src/x.ts', `import { A } from '../../matching/src/a';`)).toHaveLength(1);
      expect(check('services/reporting/src/x.ts', `import { A } from 'services/intake/src/a';`)).toHaveLength(1);
      expect(check('services/reporting/src/totals/x.ts', `import { A } from '../funnel/a';`)).toEqual([]);
    });

    it('rejects a library importing a service', () => {
      expect(check('libs/platform/src/x.ts', `import { A } from '../../../services/intake/src/a';`)).toHaveLength(1);
    });

    it('keeps libs/contracts free of our other code', () => {
      expect(check('libs/contracts/src/x.ts', `import { A } from '@tt/messaging';`)).toHaveLength(1);
      expect(check('libs/contracts/src/x.ts', `import { A } from '../../platform/src/a';`)).toHaveLength(1);
      expect(check('libs/contracts/src/events/x.ts', `import { z } from 'zod'; import { A } from '../domain/vocabulary';`)).toEqual([]);
    });

    it('layers the libraries: a lower one never imports a higher one, nor one of its own layer but for the service kit', () => {
      expect(check('libs/store/src/x.ts', `import { A } from '@tt/messaging';`)).toHaveLength(1);
      expect(check('libs/observability/src/x.ts', `import { A } from '@tt/platform';`)).toHaveLength(1);
      expect(check('libs/observability/src/x.ts', `import { A } from '@tt/store';`)).toHaveLength(1);
      expect(check('libs/messaging/src/x.ts', `import { A } from '@tt/platform';`)).toHaveLength(1);
      expect(check('libs/platform/src/http/x.ts', `import { A } from '@tt/messaging';`)).toHaveLength(1);
      expect(check('libs/platform/src/bootstrap.ts', `import { A } from '@tt/messaging';`)).toEqual([]);
      expect(check('libs/platform/src/x.ts', `import { A } from '@tt/observability'; import { B } from '@tt/store'; import { C } from '@tt/contracts';`)).toEqual([]);
      expect(check('libs/messaging/src/x.ts', `import { A } from '@tt/observability'; import { B } from '@tt/store';`)).toEqual([]);
      expect(check('libs/newlib/src/x.ts', `import { A } from '@tt/store';`)).toHaveLength(1);
      // ops: above messaging and platform, below testing.
      expect(check('libs/ops/src/x.ts', `import { A } from '@tt/messaging'; import { B } from '@tt/platform'; import { C } from '@tt/contracts';`)).toEqual([]);
      expect(check('libs/messaging/src/x.ts', `import { A } from '@tt/ops';`)).toHaveLength(1);
      expect(check('libs/platform/src/bootstrap.ts', `import { A } from '../../ops/src/service-process';`)).toHaveLength(1);
      expect(check('libs/ops/src/x.ts', `import { A } from '@tt/testing';`)).toHaveLength(1);
      expect(check('libs/testing/src/x.ts', `import { A } from '@tt/ops';`)).toEqual([]);
    });

    it('allows @tt/testing only in tests', () => {
      expect(check('services/intake/src/needs/needs.service.ts', `import { x } from '@tt/testing';`)).toHaveLength(1);
      expect(check('libs/messaging/src/x.ts', `import { x } from '../../testing/src/x';`)).toHaveLength(1);
      for (const path of ['services/intake/src/a.spec.ts', 'services/intake/src/a.int-spec.ts', 'test/e2e/a.e2e-spec.ts', 'services/intake/test/helpers.ts']) {
        expect(check(path, `import { x } from '@tt/testing';`)).toEqual([]);
      }
    });

    it('keeps @tt/testing out of the scripts but for the benchmarks: operator scripts take @tt/ops', () => {
      expect(check('scripts/events/rebuild-reporting.ts', `import { analystToken, TEST_JWKS } from '@tt/testing';`)).toHaveLength(1);
      expect(check('scripts/events/x.ts', `import { TestSystem } from '../../libs/testing/src/system';`)).toHaveLength(1);
      expect(check('scripts/x.ts', `const { freePort } = require('@tt/testing');`)).toHaveLength(1);
      expect(check('scripts/events/x.ts', `import { ServiceProcess } from '@tt/ops'; import { createKafka } from '@tt/messaging';`)).toEqual([]);
      expect(check('scripts/bench/pipeline-latency.ts', `import { TestSystem } from '@tt/testing';`)).toEqual([]);
      expect(check('scripts/asyncapi/asyncapi.spec.ts', `import { eventually } from '@tt/testing';`)).toEqual([]);
      // Only scripts/bench/ itself: a path merely containing "bench" is an ordinary script, or service code.
      expect(check('scripts/benchmarks-report.ts', `import { x } from '@tt/testing';`)).toHaveLength(1);
      expect(check('services/matching/bench/ranking-latency.ts', `import { x } from '@tt/testing';`)).toHaveLength(1);
    });
  });
});
