import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ALL_TOPICS, EVENT_TYPES } from '@tt/contracts';
import { controllerRoutes, openApiRoutes, readmeClaims, readmeProblems, routeKey, tableBlocks, type CodeFacts } from './readme-claims';

/**
 * The READMEs' tables against the code: every event type, HTTP route and environment variable a
 * README's table names must exist, and no table may be cut in two by a blank line. A false claim is
 * fixed in the README (it describes what the code does), not here.
 */

const ROOT = join(__dirname, '../..');
const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const isTest = (path: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(path);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

const folders = (parent: string) => readdirSync(join(ROOT, parent)).filter((name) => statSync(join(ROOT, parent, name)).isDirectory()).map((name) => join(ROOT, parent, name));
const sourceDirs = [...folders('services'), ...folders('libs')].map((dir) => join(dir, 'src'));

/** The routes: the services' and libraries' controllers (health and metrics come from libs/platform), and the OpenAPI pages. */
function realRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const file of sourceDirs.flatMap(filesUnder).filter((f) => f.endsWith('.ts') && !isTest(f))) {
    const source = readFileSync(file, 'utf8');
    for (const route of [...controllerRoutes(source), ...openApiRoutes(source)]) routes.add(route);
  }
  return routes;
}

/**
 * The source text environment variables are read in: services' and libraries' src, scripts/, deploy/
 * and docker-compose.yml; tests, Markdown and this checker left out (they name variables without reading them).
 */
function envCorpus(): string {
  const files = [...sourceDirs.flatMap(filesUnder), ...filesUnder(join(ROOT, 'scripts')), ...filesUnder(join(ROOT, 'deploy')), join(ROOT, 'docker-compose.yml')];
  return files
    .filter((f) => existsSync(f) && !isTest(f) && !f.endsWith('.md') && !rel(f).startsWith('scripts/docs/readme-claims'))
    .map((f) => readFileSync(f, 'utf8'))
    .filter((text) => !text.includes('\u0000'))
    .join('\n');
}

function realFacts(): CodeFacts {
  const corpus = envCorpus();
  return {
    eventTypes: EVENT_TYPES,
    topics: ALL_TOPICS,
    routes: realRoutes(),
    hasEnvVar: (name) => new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(corpus),
  };
}

describe('README claims (the checker)', () => {
  // The real event catalogue; routes and variables of a small made-up service.
  const controller = `
    @Controller('needs')
    export class NeedsController {
      @Post() capture() {}
      @Get(':id') get() {}
      @Post(':id/withdraw') withdraw() {}
    }
    @Controller()
    export class ProposalsController {
      @Get('needs/:needId/proposals') list() {}
    }
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });`;
  const facts: CodeFacts = {
    eventTypes: EVENT_TYPES,
    topics: ALL_TOPICS,
    routes: new Set([...controllerRoutes(controller), ...openApiRoutes(controller)]),
    hasEnvVar: (name) => ['PORT', 'NODE_ENV', 'KAFKA_CREATE_TOPICS'].includes(name),
  };
  const problems = (markdown: string) => readmeProblems(markdown, facts).map((p) => `${p.line}: ${p.message}`);

  it('reads the routes of controllers, with and without a prefix, parameters normalised', () => {
    expect([...facts.routes].sort()).toEqual(['GET /docs', 'GET /docs/openapi.json', 'GET /needs/:param', 'GET /needs/:param/proposals', 'POST /needs', 'POST /needs/:param/withdraw']);
    expect(routeKey('get', '/needs/{needId}/proposals?status=open')).toBe('GET /needs/:param/proposals');
    expect(routeKey('POST', '/needs/')).toBe('POST /needs');
  });

  it('fails on an event type the catalogue does not have', () => {
    const readme = ['| event type | when |', '|---|---|', '| `cn.techtransfer.need.captured.v1` | captured |', '| `need.deleted.v1` | never |', '| `deal.contract-registered.v1` | never |'].join('\n');
    expect(problems(readme)).toEqual([
      '4: event type `need.deleted.v1` is not in the event catalogue (EVENT_TYPES in @tt/contracts)',
      '5: event type `deal.contract-registered.v1` is not in the event catalogue (EVENT_TYPES in @tt/contracts)',
    ]);
  });

  it('fails on a route no controller serves, in a method/path table or written inline', () => {
    const readme = ['| method | path | what |', '|---|---|---|', '| POST | `/needs/:id/archive` | archives |', '| GET | `/needs/:id` | reads; see also `DELETE /needs/:id` |'].join('\n');
    expect(problems(readme)).toEqual(['3: route `POST /needs/:id/archive` is served by no controller', '4: route `DELETE /needs/:id` is served by no controller']);
  });

  it('fails on an environment variable the source never reads', () => {
    const readme = ['| variable | default |', '|---|---|', '| `PORT` | `3001` |', '| `NEED_ARCHIVE_AFTER` | `30d` |'].join('\n');
    expect(problems(readme)).toEqual(['4: environment variable `NEED_ARCHIVE_AFTER` is read nowhere in the source']);
  });

  it('fails on a table split by a blank line', () => {
    const readme = ['| event type | when |', '|---|---|', '| `cn.techtransfer.need.captured.v1` | captured |', '', '| `cn.techtransfer.need.closed.v1` | closed |', '', 'text', '', '| a | b |'].join('\n');
    expect(problems(readme)).toEqual([
      '5: table split by a blank line (the table above ends at line 3): remove the blank line',
      '9: table without a header row and a |---| separator line',
    ]);
  });

  it('passes what the code has, and reads only table rows outside code fences', () => {
    const readme = [
      'Prose is not a claim: `need.deleted.v1`, `POST /nowhere`, `NOT_READ_ANYWHERE`.',
      '',
      '| event type | topic | route | notes |',
      '|---|---|---|---|',
      '| `need.captured.v1`, `cn.techtransfer.need.closed.v1` | `techtransfer.intake.need.v1` (and its `techtransfer.intake.need.v1.dlq`) | `POST /needs`, `GET /needs/{id}` | see [`need-captured.v1.ts`](../../libs/contracts/src/events/need-captured.v1.ts); `{a \\| b}` |',
      '| `cn.techtransfer.transaction.corrected.v1`, `.amended.v1` | | `POST /needs/:needId/withdraw`, `GET /docs/openapi.json` | |',
      '',
      '| method | path | what |',
      '|:---|---|---:|',
      '| GET | `/needs/:needId/proposals`, `/needs/:id` | |',
      '',
      '| variable | default |',
      '|---|---|',
      '| `PORT` | `3001` (with `NODE_ENV=development`); `C3973` is not a variable |',
      '| `KAFKA_CREATE_TOPICS=false` | |',
      '',
      '```',
      '| a | b |',
      '| `need.deleted.v1` | `DELETE /needs/:id` |',
      '```',
    ].join('\n');
    expect(problems(readme)).toEqual([]);
    expect(readmeClaims(readme).map((c) => `${c.kind}: ${c.text}`)).toEqual([
      'event type: need.captured.v1',
      'event type: cn.techtransfer.need.closed.v1',
      'event type: techtransfer.intake.need.v1',
      'route: POST /needs',
      'route: GET /needs/{id}',
      'event type: cn.techtransfer.transaction.corrected.v1',
      'route: POST /needs/:needId/withdraw',
      'route: GET /docs/openapi.json',
      'route: GET /needs/:needId/proposals',
      'route: GET /needs/:id',
      'environment variable: PORT',
      'environment variable: NODE_ENV',
      'environment variable: KAFKA_CREATE_TOPICS',
    ]);
    expect(tableBlocks(readme)).toHaveLength(3);
  });
});

describe('README claims (the real READMEs)', () => {
  const readmes = [...folders('services'), ...folders('libs')].map((dir) => join(dir, 'README.md')).filter(existsSync);
  const facts = realFacts();

  it('finds the READMEs, the routes and the claims to check', () => {
    expect(readmes.length).toBeGreaterThanOrEqual(8);
    expect(facts.routes.size).toBeGreaterThanOrEqual(40);
    for (const route of ['POST /needs', 'GET /needs/:param/proposals', 'POST /deals/:param/register', 'GET /totals', 'GET /health/ready']) expect(facts.routes.has(route)).toBe(true);
    const claims = readmes.flatMap((file) => readmeClaims(readFileSync(file, 'utf8')));
    for (const kind of ['event type', 'route', 'environment variable'] as const) expect(claims.filter((c) => c.kind === kind).length).toBeGreaterThanOrEqual(10);
  });

  it('claim nothing in their tables that the code does not have, and split no table', () => {
    const problems = readmes.flatMap((file) => readmeProblems(readFileSync(file, 'utf8'), facts).map((p) => `${rel(file)}:${p.line}: ${p.message}`));
    expect(problems).toEqual([]);
  });
});
