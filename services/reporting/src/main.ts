import { SUBSCRIPTIONS } from '@tt/contracts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { bootstrapService, ReadinessChecks, trackQueues } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';
import { WEBHOOK_DELIVERY_QUEUE } from './webhooks/webhook-delivery.queue';

async function main() {
  const app = await bootstrapService({
    config,
    module: AppModule,
    title: 'Reporting API (技术合同成交统计)',
    description:
      'Totals of registered technology contracts (count, 合同成交额, 技术交易额) by month, park, region, contract type, field and broker, with year-on-year growth, and the need-to-contract funnel; a dashboard of them (/dashboard); and the deal events for analysts as a cursor (GET /events), a Server-Sent Events stream with Last-Event-ID resume (GET /events/stream) and signed webhooks (Standard Webhooks).',
    consumer: SUBSCRIPTIONS['reporting'],
  });
  const queue = app.get<Queue>(getQueueToken(WEBHOOK_DELIVERY_QUEUE));
  app.get(ReadinessChecks).add({ name: 'redis', check: async () => (await queue.client).status === 'ready' });
  trackQueues([queue]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
