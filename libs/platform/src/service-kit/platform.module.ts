import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, Reflector } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { LoggerModule } from 'nestjs-pino';
import { stopTracing } from '@tt/observability';
import { AuthGuard } from '../auth/auth.guard';
import { keyResolver } from '../auth/tokens';
import type { ServiceConfig } from '../config/service-config';
import { HealthModule } from '../health/health.controller';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { PrincipalRateLimitGuard } from '../http/rate-limit';
import { createValidationPipe } from '../http/validation.pipe';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { loggerParams } from '../logging/logging';

/** The service's parsed configuration (`loadServiceConfig`), for whoever needs it by injection. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * What every service's HTTP edge is, as Nest providers: the JSON logger, health and metrics routes,
 * problem-details errors, DTO validation, bearer auth then the per-principal rate limit (in that
 * order: the limit counts per principal), and idempotency keys. All configuration comes from the zod
 * config. The Express middleware that must run before routing is `applyHttpEdge`.
 */
@Module({})
export class PlatformModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [LoggerModule.forRoot(loggerParams(config.service)), HealthModule.forRoot()],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        // A provider, so that shutdown closes its Redis connection.
        { provide: RATE_LIMIT_STORAGE, useFactory: () => PrincipalRateLimitGuard.storage(config.redisUrl, `throttle:${config.mongoDb}:`) },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, inject: [Reflector], useFactory: (reflector: Reflector) => new AuthGuard(reflector, keyResolver(config.authKeys)) },
        {
          provide: APP_GUARD,
          inject: [Reflector, RATE_LIMIT_STORAGE],
          useFactory: (reflector: Reflector, storage: ReturnType<typeof PrincipalRateLimitGuard.storage>) =>
            PrincipalRateLimitGuard.create(reflector, storage, config.rateLimit),
        },
        {
          provide: APP_INTERCEPTOR,
          inject: [Reflector, getConnectionToken()],
          useFactory: (reflector: Reflector, connection: Connection) => new IdempotencyInterceptor(reflector, connection),
        },
        // The spans still buffered go out before the process ends.
        { provide: 'TRACING_SHUTDOWN', useValue: { onApplicationShutdown: () => stopTracing() } },
      ],
      exports: [SERVICE_CONFIG],
    };
  }
}
