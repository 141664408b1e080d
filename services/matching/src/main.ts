import { SUBSCRIPTIONS } from '@tt/contracts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { bootstrapService, ReadinessChecks, trackQueues } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';
import { SCORING_QUEUE } from './proposals/scoring.queue';
import { REMINDER_QUEUE } from './reminders/reminders.queue';

async function main() {
  const app = await bootstrapService({
    config,
    module: AppModule,
    title: 'Matching API (供需对接)',
    description:
      'The supply catalogue (six kinds: institutions, experts, 科技成果, service agencies, finance products, shared equipment), managed by admins, and need-to-supply matching with explainable scores. Consumes the need events and its own catalogue changes; publishes supply listed / revised / retired and match proposed / accepted / rejected.',
    consumer: SUBSCRIPTIONS['matching'],
  });
  const queue = app.get<Queue>(getQueueToken(SCORING_QUEUE));
  app.get(ReadinessChecks).add({ name: 'redis', check: async () => (await queue.client).status === 'ready' });
  trackQueues([queue, app.get<Queue>(getQueueToken(REMINDER_QUEUE))]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
