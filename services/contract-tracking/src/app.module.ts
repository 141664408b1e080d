import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EVENT_SOURCES } from '@tt/contracts';
import { OutboxModule } from '@tt/messaging';
import { redisConnection } from '@tt/platform';
import { config } from './config';
import { DEAL_MODEL } from './deals/deal.schema';
import { DealsModule } from './deals/deals.module';
import { RemindersModule } from './reminders/reminders.module';

@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: `bull:${config.mongoDb}` }),
    DealsModule,
    RemindersModule,
    OutboxModule.forRoot({ source: EVENT_SOURCES.contractTracking, pollIntervalMs: config.outboxScanIntervalMs, models: [DEAL_MODEL], imports: [DealsModule] }),
  ],
})
export class AppModule {}
