import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { childTraceparent, runWithTraceparent } from '@tt/messaging';
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

/**
 * Finds keys that could reach a MongoDB query or update as operators or paths (`$gt`, `a.b`) or
 * pollute prototypes (`__proto__`). Values are checked by each route's DTO (a string field rejects
 * `{"$gt": ""}`); keys are checked here, once, for every body.
 */
export function findDangerousKeys(value: unknown, pointer = '', depth = 0, found: InvalidParam[] = []): InvalidParam[] {
  if (depth > MAX_DEPTH) {
    found.push({ pointer: pointer || '/', reason: `nested deeper than ${MAX_DEPTH} levels` });
    return found;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => findDangerousKeys(item, `${pointer}/${i}`, depth + 1, found));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      const here = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) found.push({ pointer: here, reason: `the key "${key}" is not allowed` });
      else if (key.startsWith('$')) found.push({ pointer: here, reason: 'keys must not start with "$" (MongoDB operator)' });
      else if (key.includes('.')) found.push({ pointer: here, reason: 'keys must not contain "."' });
      findDangerousKeys((value as Record<string, unknown>)[key], here, depth + 1, found);
    }
  }
  return found;
}

export function rejectDangerousKeys(req: Request, res: Response, next: NextFunction): void {
  const found = findDangerousKeys(req.body);
  if (found.length === 0) return next();
  res
    .status(400)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ type: '/problems/validation', title: 'Bad Request', status: 400, detail: 'The request has forbidden keys.', errors: found, instance: req.originalUrl }));
}

/** Errors raised by the middleware above (before Nest's own filters see the request). */
export function middlewareErrorsAsProblems(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const problem = toProblem(error, req.originalUrl);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Continues the caller's W3C trace (`traceparent` header) or starts one; echoed in the response. */
export function traceContext(req: Request, res: Response, next: NextFunction): void {
  const traceparent = childTraceparent(req.header('traceparent'));
  res.setHeader('traceparent', traceparent);
  runWithTraceparent(traceparent, next);
}
