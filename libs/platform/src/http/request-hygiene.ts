import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { runWithTraceparent, SpanKind, SpanStatusCode, startSpan } from '@tt/observability';
import { PROBLEM_CONTENT_TYPE, type InvalidParam } from './problem';
import { toProblem } from './problem-details.filter';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies only, bounded in size, and strictly UTF-8: a lenient decoder would silently turn
 * invalid bytes into U+FFFD and store corrupted Chinese text.
 */
export function jsonBody(limit: string): RequestHandler {
  return json({
    limit,
    strict: true,
    verify: (_req, _res, buffer) => {
      try {
        strictUtf8.decode(buffer);
      } catch {
        throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
      }
    },
  });
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 16;
/** No route takes a list anywhere near this long; a longer one is an attack on the validator. */
export const MAX_ARRAY_ITEMS = 200;
/** At most this many problems are reported: enough to fix a form, never a megabyte of errors. */
export const MAX_REPORTED_PROBLEMS = 20;
/** C0 controls but tab, line feed and carriage return, and DEL: never part of a name, a title or a text (ESC starts ANSI sequences). */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Finds what no route accepts, before any DTO sees the body, in one bounded walk:
 * - keys that could reach a MongoDB query or update as operators or paths (`$gt`, `a.b`) or pollute
 *   prototypes (`__proto__`);
 * - control characters (NUL and the like) in any string, which would be stored and passed on;
 * - arrays longer than MAX_ARRAY_ITEMS, and nesting deeper than MAX_DEPTH.
 * Values' types and formats are each route's DTO's business (a string field rejects `{"$gt": ""}`).
 * Stops after MAX_REPORTED_PROBLEMS. It runs on every request body, so it walks with a path of keys
 * and spells a JSON pointer only for a problem it reports.
 */
export function findUnsafeInput(value: unknown): InvalidParam[] {
  const found: InvalidParam[] = [];
  walk(value, [], 0, found);
  return found;
}

/** The JSON pointer (RFC 6901) of a path of keys and indexes. */
const pointerOf = (path: readonly (string | number)[]) =>
  path.length === 0 ? '/' : path.map((key) => `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

function walk(value: unknown, path: (string | number)[], depth: number, found: InvalidParam[]): void {
  if (found.length >= MAX_REPORTED_PROBLEMS) return;
  const report = (reason: string) => found.push({ pointer: pointerOf(path), reason });
  if (depth > MAX_DEPTH) {
    report(`nested deeper than ${MAX_DEPTH} levels`);
  } else if (typeof value === 'string') {
    if (CONTROL_CHARACTERS.test(value)) report('control characters (such as NUL) are not allowed in text');
  } else if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_ITEMS) return void report(`lists are limited to ${MAX_ARRAY_ITEMS} items`);
    for (let i = 0; i < value.length && found.length < MAX_REPORTED_PROBLEMS; i++) {
      path.push(i);
      walk(value[i], path, depth + 1, found);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (found.length >= MAX_REPORTED_PROBLEMS) break;
      path.push(key);
      if (FORBIDDEN_KEYS.has(key)) report(`the key "${key}" is not allowed`);
      else if (key.startsWith('$')) report('keys must not start with "$" (MongoDB operator)');
      else if (key.includes('.')) report('keys must not contain "."');
      else if (CONTROL_CHARACTERS.test(key)) report('control characters are not allowed in keys');
      walk((value as Record<string, unknown>)[key], path, depth + 1, found);
      path.pop();
    }
  }
}

export function rejectUnsafeInput(req: Request, res: Response, next: NextFunction): void {
  const found = findUnsafeInput(req.body);
  if (found.length === 0) return next();
  res
    .status(400)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ type: '/problems/validation', title: 'Bad Request', status: 400, detail: 'The request has forbidden keys or values.', errors: found, instance: req.originalUrl }));
}

/** Errors raised by the middleware above (before Nest's own filters see the request). */
export function middlewareErrorsAsProblems(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const problem = toProblem(error, req.originalUrl);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Continues the caller's W3C trace (`traceparent` header) or starts one; echoed in the response. */
export function traceContext(req: Request, res: Response, next: NextFunction): void {
  const { span, traceparent } = startSpan(`${req.method}`, SpanKind.SERVER, req.header('traceparent'), { 'http.request.method': req.method, 'url.path': req.path });
  res.setHeader('traceparent', traceparent);
  if (span) {
    res.on('finish', () => {
      // The route pattern, not the path: ids stay out of span names (as in the latency histogram).
      const pattern = req.route?.path as string | undefined;
      const route = pattern && !pattern.includes('{*') ? `${req.baseUrl ?? ''}${pattern}` : undefined;
      if (route) span.setAttribute('http.route', route);
      span.updateName(`${req.method} ${route ?? 'unmatched'}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
  }
  runWithTraceparent(traceparent, next);
}
