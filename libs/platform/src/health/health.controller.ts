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
      this.checks.map(async (c) => [c.name, (await c.check().catch(() => false)) ? 'up' : 'down'] as const),
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
