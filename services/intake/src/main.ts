import { SUBSCRIPTIONS } from '@tt/contracts';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { bootstrapService, ReadinessChecks, trackQueues } from '@tt/platform';
import { AppModule } from './app.module';
import { config } from './config';
import { NEED_IMPORT_QUEUE } from './need-imports/need-import.queue';

async function main() {
  const app = await bootstrapService({
    config,
    module: AppModule,
    title: 'Intake API (企业技术需求采集)',
    description:
      'Brokers record enterprises and their technology needs (one by one, or a 需求征集表 spreadsheet at a time), revise, withdraw and close them; a need’s status follows matching and the deal downstream. Every change is an event on techtransfer.intake.need.v1.',
    consumer: SUBSCRIPTIONS['intake'],
  });
  const queue = app.get<Queue>(getQueueToken(NEED_IMPORT_QUEUE));
  app.get(ReadinessChecks).add({ name: 'redis', check: async () => (await queue.client).status === 'ready' });
  trackQueues([queue]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
