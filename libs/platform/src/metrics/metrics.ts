import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, register } from 'prom-client';
import { histogramMetric, scrapedGauge } from '@tt/observability';
import { Public } from '../auth/principal';

/**
 * Prometheus metrics of one service (prom-client's default registry): the process, HTTP latency per
 * route, events consumed and dead-lettered by type, the outbox's oldest waiting event, the consumer
 * group's lag and the BullMQ queues' depth. Scraped at `/metrics`, which sits beside `/health` on the
 * internal port: the edge proxy does not route it to the public.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  async metrics(@Res() res: Response) {
    res.setHeader('Content-Type', register.contentType);
    res.send(await register.metrics());
  }
}

let defaultsCollected = false;
export function startProcessMetrics(service: string): void {
  if (defaultsCollected) return;
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
  defaultsCollected = true;
}

const httpDuration = histogramMetric({
  name: 'tt_http_request_duration_seconds',
  help: 'HTTP request latency by method, route (the route pattern, not the path) and status',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/** Times every request; the route label is the matched pattern (`/needs/:id`), `unmatched` for a 404 without a route. */
export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    // Nest answers unknown paths from a catch-all route (`/{*path}`): those count as unmatched too.
    const pattern = req.route?.path as string | undefined;
    const route = pattern && !pattern.includes('{*') ? `${req.baseUrl ?? ''}${pattern}` : 'unmatched';
    end({ method: req.method, route, status_code: String(res.statusCode) });
  });
  next();
}

/** Jobs per queue and state, read at scrape time. */
export function trackQueues(queues: Queue[]): void {
  scrapedGauge({
    name: 'tt_bullmq_jobs',
    help: 'BullMQ jobs by queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    async collect() {
      for (const queue of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
}
