import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { bootstrapService, ReadinessChecks } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';
import { SCORING_QUEUE } from './proposals/scoring.queue';

async function main() {
  const app = await bootstrapService({
    config,
    module: AppModule,
    title: 'Matching API (供需对接)',
    description:
      'The supply catalogue (institutions, experts, 科技成果) and need-to-supply matching with explainable scores. Consumes need captured; publishes match proposed / accepted / rejected.',
    consumer: { ignore: [] },
  });
  const queue = app.get<Queue>(getQueueToken(SCORING_QUEUE));
  app.get(ReadinessChecks).add({ name: 'redis', check: async () => (await queue.client).status === 'ready' });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
