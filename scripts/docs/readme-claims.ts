/**
 * What the services' and libraries' READMEs claim in their Markdown tables, checked against what the
 * code has (readme-claims.spec.ts runs it over the README.md of every folder in services/ and libs/).
 * A README's tables are its reference part: event types, HTTP routes and environment variables a reader
 * acts on. When one of them names something the code does not have, the README has drifted.
 *
 * Pure: Markdown and source text in, problems out; the spec reads the files.
 */

/** What the code has, as the checks need it. */
export interface CodeFacts {
  /** Every event type of the catalogue (`EVENT_TYPES` in `@tt/contracts`). */
  eventTypes: readonly string[];
  /** Every topic (`ALL_TOPICS`): a topic name looks like an event type and is not a false claim. */
  topics: readonly string[];
  /** Every route the services serve, as `routeKey` writes it (`POST /needs/:param/close`). */
  routes: ReadonlySet<string>;
  /** Whether the source reads (mentions) an environment variable of that name. */
  hasEnvVar: (name: string) => boolean;
}

export type ClaimKind = 'event type' | 'route' | 'environment variable';

export interface Claim {
  kind: ClaimKind;
  /** As written in the README (a route as `METHOD /path`). */
  text: string;
  /** 1-based line in the README. */
  line: number;
}

export interface Problem {
  line: number;
  message: string;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const METHOD = new RegExp(`\\b(${HTTP_METHODS.join('|')})\\b`, 'g');
/** `POST /needs/:id/close` (the path may sit in its own backticks) anywhere in a cell. */
const INLINE_ROUTE = new RegExp(`(?<![A-Za-z])(${HTTP_METHODS.join('|')})\\s+\`?(/[^\\s\`|,;)]*)`, 'g');
/**
 * An event type: `cn.techtransfer.<…>` or any dotted lower-case name ending in a version
 * (`need.captured.v1`, `deal.contract-registered.v1`); not a file name (`supply-events.v1.ts`) nor part
 * of a path or of a longer name (`.amended.v1` after another type, a topic's `.dlq` twin).
 */
const EVENT_TYPE = /(?<![\w./-])(?:cn\.techtransfer(?:\.[a-z0-9][a-z0-9-]*)+|[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+\.v\d+)(?![\w-]|\.[\w-])/g;
/**
 * A backticked span that is an environment variable, alone or with a value (`KAFKA_CREATE_TOPICS=false`):
 * UPPER_SNAKE, or one upper-case word (`PORT`); not a code like `C3973`.
 */
const ENV_SPAN = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})(?:=\S*)?$/;
/** A column that lists environment variables. */
const ENV_HEADER = /\b(variables?|env|environment)\b/i;

interface TableLine {
  line: number;
  text: string;
}

/** A run of table lines (lines starting with `|`) outside code fences. */
export interface TableBlock {
  lines: TableLine[];
  /** Its header's cells, when the block begins with a header row and a `|---|` separator. */
  header?: string[];
  /** The rows under the header (every line when there is no header). */
  rows: TableLine[];
}

const isSeparator = (text: string) => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(text.trim());

/** A row's cells: split on `|` that is not escaped (`\|` stays in the cell, as GitHub reads it). */
export function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

export function tableBlocks(markdown: string): TableBlock[] {
  const blocks: TableBlock[] = [];
  let current: TableLine[] | undefined;
  let fence: string | undefined;
  markdown.split(/\r?\n/).forEach((text, i) => {
    // Tables shown inside code fences (``` or ~~~) are examples, not claims.
    const fenceMark = /^\s*(```|~~~)/.exec(text)?.[1];
    if (fenceMark && !fence) fence = fenceMark;
    else if (fenceMark === fence) fence = undefined;
    const isRow = !fence && !fenceMark && text.trimStart().startsWith('|');
    if (isRow) (current ??= []).push({ line: i + 1, text });
    else if (current) {
      blocks.push(block(current));
      current = undefined;
    }
  });
  if (current) blocks.push(block(current));
  return blocks;
}

function block(lines: TableLine[]): TableBlock {
  if (lines.length >= 2 && isSeparator(lines[1].text)) return { lines, header: cells(lines[0].text), rows: lines.slice(2) };
  return { lines, rows: lines };
}

/**
 * Every table block must begin with a header row and a `|---|` separator. One that does not is almost
 * always the rest of a table cut off by a blank line: Markdown shows it as text, and its rows go unread.
 */
export function tableLayoutProblems(markdown: string): Problem[] {
  const lines = markdown.split(/\r?\n/);
  return tableBlocks(markdown)
    .filter((b) => !b.header)
    .map((b) => {
      // the nearest non-blank line above: a table row there means a table split by blank lines
      let above = b.lines[0].line - 2;
      while (above >= 0 && lines[above].trim() === '') above--;
      const split = above >= 0 && above < b.lines[0].line - 2 && lines[above].trimStart().startsWith('|');
      return {
        line: b.lines[0].line,
        message: split
          ? `table split by a blank line (the table above ends at line ${above + 1}): remove the blank line`
          : 'table without a header row and a |---| separator line',
      };
    });
}

/** A route as the checks compare them: method, and the path with every parameter written `:param`. */
export function routeKey(method: string, path: string): string {
  const segments = path
    .replace(/[?#].*$/, '')
    .replace(/[.:]+$/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => (/^:\w+$/.test(s) || /^\{\w+\}$/.test(s) ? ':param' : s));
  return `${method.toUpperCase()} /${segments.join('/')}`;
}

/** The claims of a README's tables (header rows aside). */
export function readmeClaims(markdown: string): Claim[] {
  const claims: Claim[] = [];
  for (const b of tableBlocks(markdown)) {
    const header = b.header?.map((h) => h.toLowerCase());
    const methodColumn = header?.indexOf('method') ?? -1;
    const pathColumn = header?.indexOf('path') ?? -1;
    const listsVariables = header?.some((h) => ENV_HEADER.test(h)) ?? false;
    for (const { line, text } of b.rows) {
      for (const [type] of text.matchAll(EVENT_TYPE)) claims.push({ kind: 'event type', text: type, line });
      for (const [, method, path] of text.matchAll(INLINE_ROUTE)) claims.push({ kind: 'route', text: `${method} ${path}`, line });
      const row = cells(text);
      if (methodColumn >= 0 && pathColumn >= 0) {
        const methods = [...(row[methodColumn] ?? '').matchAll(METHOD)].map((m) => m[1]);
        const paths = [...(row[pathColumn] ?? '').matchAll(/`(\/[^`]*)`/g)].map((m) => m[1]);
        for (const method of methods) for (const path of paths) claims.push({ kind: 'route', text: `${method} ${path}`, line });
      }
      if (listsVariables) {
        for (const [, span] of text.matchAll(/`([^`]+)`/g)) {
          const name = ENV_SPAN.exec(span.trim())?.[1];
          if (name) claims.push({ kind: 'environment variable', text: name, line });
        }
      }
    }
  }
  return claims;
}

function claimProblem(claim: Claim, facts: CodeFacts): string | undefined {
  switch (claim.kind) {
    case 'event type': {
      const known = facts.eventTypes.some((t) => t === claim.text || t.endsWith(`.${claim.text}`)) || facts.topics.includes(claim.text);
      return known ? undefined : `event type \`${claim.text}\` is not in the event catalogue (EVENT_TYPES in @tt/contracts)`;
    }
    case 'route': {
      const [method, path] = claim.text.split(' ');
      return facts.routes.has(routeKey(method, path)) ? undefined : `route \`${claim.text}\` is served by no controller`;
    }
    case 'environment variable':
      return facts.hasEnvVar(claim.text) ? undefined : `environment variable \`${claim.text}\` is read nowhere in the source`;
  }
}

/** Everything wrong with one README: tables cut off, and claims the code does not back. */
export function readmeProblems(markdown: string, facts: CodeFacts): Problem[] {
  const problems = [...tableLayoutProblems(markdown)];
  for (const claim of readmeClaims(markdown)) {
    const message = claimProblem(claim, facts);
    if (message) problems.push({ line: claim.line, message });
  }
  return problems.sort((a, b) => a.line - b.line);
}

/**
 * The routes of one source file's controllers: `@Controller('x')` (or `@Controller()`, or
 * `@Controller({ path: 'x' })`) and the `@Get/@Post/@Put/@Patch/@Delete('y')` handlers after it, up to
 * the next controller in the file.
 */
export function controllerRoutes(source: string): string[] {
  const routes: string[] = [];
  const controller = /@Controller\(\s*(?:(['"`])([^'"`]*)\1|\{[^}]*?\bpath:\s*(['"`])([^'"`]*)\3[^}]*\})?\s*\)/g;
  const found = [...source.matchAll(controller)];
  found.forEach((c, i) => {
    const prefix = c[2] ?? c[4] ?? '';
    const body = source.slice(c.index! + c[0].length, found[i + 1]?.index ?? source.length);
    const handler = /@(Get|Post|Put|Patch|Delete|Head|Options)\(\s*(?:(['"`])([^'"`]*)\2)?\s*\)/g;
    for (const [, method, , path = ''] of body.matchAll(handler)) routes.push(routeKey(method, `${prefix}/${path}`));
  });
  return routes;
}

/** The OpenAPI pages `SwaggerModule.setup('docs', …, { jsonDocumentUrl: 'docs/openapi.json' })` serves. */
export function openApiRoutes(source: string): string[] {
  const routes: string[] = [];
  for (const [, path] of source.matchAll(/SwaggerModule\.setup\(\s*['"`]([^'"`]+)['"`]/g)) routes.push(routeKey('GET', path));
  for (const [, path] of source.matchAll(/jsonDocumentUrl:\s*['"`]([^'"`]+)['"`]/g)) routes.push(routeKey('GET', path));
  return routes;
}
