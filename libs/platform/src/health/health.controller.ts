import { Controller, Get, HttpStatus, Injectable, Module, Res, type DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/principal';
import { MetricsController } from '../metrics/metrics';

/** A dependency the service cannot work without (its database, Kafka consumer, Redis). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

/**
 * A check that has not answered by then is down: a dependency that hangs (a store that stopped
 * answering, whose driver waits 30 s to select a server) must not hang readiness past the probe's own
 * 4 s timeout, or the orchestrator sees no answer instead of a 503 that names the dependency.
 */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** Whether the check answered true within `timeoutMs` (false on a failure or a timeout). */
export async function answeredUp(check: () => Promise<boolean>, timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([check().catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class ReadinessChecks {
  /** Which service answers: lets callers tell they reached the process they meant. */
  service = 'unknown';
  private readonly checks: ReadinessCheck[] = [];
  add(...checks: ReadinessCheck[]): void {
    this.checks.push(...checks);
  }
  async run(): Promise<Record<string, 'up' | 'down'>> {
    const results = await Promise.all(
      this.checks.map(async (c) => [c.name, (await answeredUp(() => c.check())) ? 'up' : 'down'] as const),
    );
    return Object.fromEntries(results);
  }
}

/** `/health/live`: the process answers. `/health/ready`: every dependency answers (503 otherwise). */
@ApiExcludeController()
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly checks: ReadinessChecks) {}

  @Get('live')
  live() {
    return { status: 'up' };
  }

  @Get('ready')
  async ready(@Res() res: Response) {
    const checks = await this.checks.run();
    const up = Object.values(checks).every((s) => s === 'up');
    res.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: up ? 'up' : 'down', service: this.checks.service, checks });
  }
}

@Module({})
export class HealthModule {
  static forRoot(): DynamicModule {
    return { module: HealthModule, global: true, controllers: [HealthController, MetricsController], providers: [ReadinessChecks], exports: [ReadinessChecks] };
  }
}
