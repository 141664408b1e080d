import { HttpStatus, Logger, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { Principal } from '../auth/principal';
import { ProblemException } from './problem';

export interface RateLimit {
  /** Requests allowed per window and principal. */
  limit: number;
  windowSeconds: number;
}

/** `600/1m`, `20/1s`, `5000/1h`: requests per window, from configuration. */
export function parseRateLimit(text: string, name = 'RATE_LIMIT'): RateLimit {
  const match = /^(\d{1,7})\/(\d{0,4})([smh])$/.exec(text.trim());
  if (!match || Number(match[1]) === 0) throw new Error(`invalid configuration: ${name} must read like 600/1m (requests per window), got "${text}"`);
  const unit = { s: 1, m: 60, h: 3600 }[match[3] as 's' | 'm' | 'h'];
  return { limit: Number(match[1]), windowSeconds: Number(match[2] || 1) * unit };
}

/** Probes and scrapes are never limited. */
const UNLIMITED = /^\/(health|metrics)(\/|$)/;

/**
 * Rate limits per principal (`@nestjs/throttler`), counted in Redis so that every instance of a
 * service shares one budget per caller. Runs after authentication: the budget is the token's subject
 * and role; unauthenticated requests (public pages, refused tokens) count per client address. A 429 is
 * a problem body with Retry-After. If Redis cannot be reached, requests pass: a limit is protection,
 * not correctness, and the services keep serving brokers through a Redis outage.
 */
export class PrincipalRateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');

  /** The Redis counters; a provider of the service's root module, so that shutdown closes its connection. */
  static storage(redisUrl: string, keyPrefix: string): ThrottlerStorageRedisService {
    // Fail fast while Redis is away (no offline queue, one retry) rather than hold the request.
    const storage = new ThrottlerStorageRedisService(redisUrl, { keyPrefix, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    storage.redis.on('error', () => undefined); // reported by readiness and the queues, not once per request
    return storage;
  }

  static create(reflector: Reflector, storage: ThrottlerStorageRedisService, rate: RateLimit): PrincipalRateLimitGuard {
    const guard = new PrincipalRateLimitGuard({ throttlers: [{ name: 'default', limit: rate.limit, ttl: rate.windowSeconds * 1000 }] }, storage, reflector);
    void guard.onModuleInit();
    return guard;
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const path: string = context.switchToHttp().getRequest().path ?? '';
    return UNLIMITED.test(path);
  }

  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const principal = req.principal as Principal | undefined;
    return principal ? `${principal.role}:${principal.subject}` : `ip:${req.ip}`;
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      this.log.warn(`rate limit not applied (store unreachable): ${(error as Error).message}`);
      return true;
    }
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ProblemException({
      status: HttpStatus.TOO_MANY_REQUESTS,
      title: 'Too Many Requests',
      type: '/problems/rate-limited',
      detail: `At most ${detail.limit} requests per ${detail.ttl / 1000} s per caller; retry after ${detail.timeToBlockExpire} s.`,
      retryAfterSeconds: detail.timeToBlockExpire,
    });
  }
}
