import { SUBSCRIPTIONS } from '@tt/contracts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { bootstrapService, ReadinessChecks, trackQueues } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';
import { DEAL_REMINDER_QUEUE } from './reminders/deal-reminders';

async function main() {
  const app = await bootstrapService({
    config,
    module: AppModule,
    title: 'Contract tracking API (技术合同跟踪)',
    description:
      'Deals from accepted match to signed and registered technology contract (技术合同认定登记), registered the registry’s way and corrected, amended or revoked by new events; reminders of deals left at intent or signed. Consumes match accepted (and its own deal opened and contract signed, to schedule reminders); publishes the deal events.',
    consumer: SUBSCRIPTIONS['contract-tracking'],
  });
  const queue = app.get<Queue>(getQueueToken(DEAL_REMINDER_QUEUE));
  app.get(ReadinessChecks).add({ name: 'redis', check: async () => (await queue.client).status === 'ready' });
  trackQueues([queue]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
