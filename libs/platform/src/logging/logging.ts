import type { Request } from 'express';
import type { Params } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';
import { activeTraceId } from '@tt/observability';

/**
 * JSON log lines (pino, through nestjs-pino) for every service: one line per request and per log
 * call, each with the service and the trace id of the request or event at hand, so one need can be
 * followed across the four services. Contacts, phone numbers, e-mail addresses and tokens never reach
 * a log: known fields are redacted by path, and any text is scrubbed of phone numbers and tokens.
 */
const REDACTED = '[redacted]';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'contact',
  '*.contact',
  'phone',
  '*.phone',
  'email',
  '*.email',
  'token',
  '*.token',
];

/** Mainland mobiles (13912345678 → 139****5678), bearer tokens, JWTs and tokens in query strings. */
export function scrub(text: string): string {
  return text
    .replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2')
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, `Bearer ${REDACTED}`)
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED)
    .replace(/([?&](?:access_token|token)=)[^&\s]+/gi, `$1${REDACTED}`);
}

export function pinoOptions(service: string, level = process.env.LOG_LEVEL ?? 'info'): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    mixin: () => {
      const traceId = activeTraceId();
      return traceId ? { traceId } : {};
    },
    hooks: {
      // Text passed to the logger (messages, error messages) is scrubbed before it is written.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
      },
    },
    serializers: {
      req: (req: { method: string; url: string; id?: unknown }) => ({ id: req.id, method: req.method, url: scrub(req.url) }),
      err: (err: Error) => ({ type: err.name, message: scrub(err.message), stack: err.stack ? scrub(err.stack) : undefined }),
    },
  };
}

/** nestjs-pino's module options: request lines (health and metrics probes left out) on the pino above. */
export function loggerParams(service: string): Params {
  return {
    pinoHttp: {
      ...pinoOptions(service),
      autoLogging: { ignore: (req) => /^\/(health|metrics)\b/.test((req as Request).url ?? '') },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    },
  };
}
