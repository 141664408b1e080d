import { HttpStatus, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor, type OnApplicationBootstrap } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Connection } from 'mongoose';
import { from, lastValueFrom, type Observable } from 'rxjs';
import stableStringify from 'safe-stable-stringify';
import { isDuplicateKey } from '@tt/store';
import { ProblemException, invalid } from '../http/problem';
import type { Principal } from '../auth/principal';

/**
 * `Idempotency-Key` on every POST (draft-ietf-httpapi-idempotency-key-header): a retried request
 * with the same key and body gets the first answer again (header `Idempotent-Replayed: true`) and
 * changes nothing; the same key with another body is a 422; a retry while the first is still running
 * is a 409. Keys are per caller, method and path, kept 24 h in the service's own store, and claimed
 * with an insert (a unique `_id`), so two instances cannot both run the same request.
 *
 * A failed request releases its key (errors change nothing, so the retry may run). Routes that keep
 * the key in their own aggregate (POST /needs derives the need id from it) opt out with
 * `@OwnIdempotency()`; multipart uploads are not covered (the file is not part of the fingerprint).
 */
export const OWN_IDEMPOTENCY = 'own-idempotency';
export const OwnIdempotency = () => SetMetadata(OWN_IDEMPOTENCY, true);

/** An Idempotency-Key: 1 to 128 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
const COLLECTION = 'idempotency_keys';
const KEEP_SECONDS = 24 * 3600;

interface KeyRecord {
  _id: string;
  fingerprint: string;
  state: 'running' | 'done';
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  createdAt: Date;
}

export class IdempotencyInterceptor implements NestInterceptor, OnApplicationBootstrap {
  constructor(
    private readonly reflector: Reflector,
    private readonly connection: Connection,
  ) {}

  /**
   * Creates the collection and its expiry index once, at start, before any request can claim a key:
   * the MongoDB-wire test server fails a write that races the implicit creation of its collection.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.connection.collection<KeyRecord>(COLLECTION).createIndex({ createdAt: 1 }, { expireAfterSeconds: KEEP_SECONDS });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle(); // events have their own dedupe (processed_events)
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const res = context.switchToHttp().getResponse<Response>();
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || key === undefined || this.reflector.getAllAndOverride<boolean>(OWN_IDEMPOTENCY, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) throw invalid([{ pointer: 'header.Idempotency-Key', reason: 'must be 1 to 128 visible ASCII characters' }]);
    if (req.is('multipart/form-data')) return next.handle();
    return from(this.run(req, res, key, next));
  }

  private async run(req: Request & { principal?: Principal }, res: Response, key: string, next: CallHandler): Promise<unknown> {
    const keys = this.connection.collection<KeyRecord>(COLLECTION);
    const who = `${req.principal?.subject ?? 'anonymous'}|${req.principal?.parkId ?? ''}`;
    const _id = sha256(`${who}|${req.method}|${req.originalUrl.split('?')[0]}|${key}`);
    const fingerprint = sha256(stableStringify(req.body ?? null) ?? '');
    try {
      await keys.insertOne({ _id, fingerprint, state: 'running', createdAt: new Date() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await keys.findOne({ _id });
      if (!first) return this.run(req, res, key, next); // released meanwhile: claim it again
      if (first.fingerprint !== fingerprint) {
        throw new ProblemException({
          status: HttpStatus.UNPROCESSABLE_ENTITY,
          title: 'Unprocessable Entity',
          type: '/problems/idempotency-key-reused',
          detail: 'This Idempotency-Key was already used with a different request body.',
        });
      }
      if (first.state === 'running') {
        res.setHeader('Retry-After', '1');
        throw new ProblemException({ status: HttpStatus.CONFLICT, title: 'Conflict', type: '/problems/request-in-progress', detail: 'A request with this Idempotency-Key is still being processed; retry shortly.' });
      }
      res.status(first.status ?? 200);
      for (const [name, value] of Object.entries(first.headers ?? {})) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      return first.body;
    }
    try {
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const headers = Object.fromEntries(['location', 'etag'].flatMap((h) => (res.getHeader(h) !== undefined ? [[h, String(res.getHeader(h))]] : [])));
      await keys.updateOne({ _id }, { $set: { state: 'done', status: res.statusCode, body, headers } });
      return body;
    } catch (error) {
      await keys.deleteOne({ _id, state: 'running' }).catch(() => undefined);
      throw error;
    }
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');


