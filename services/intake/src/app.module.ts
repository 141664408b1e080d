import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EVENT_SOURCES } from '@tt/contracts';
import { OutboxModule } from '@tt/messaging';
import { redisConnection } from '@tt/platform';
import { config } from './config';
import { EnterprisesModule } from './enterprises/enterprises.module';
import { NeedImportsModule } from './need-imports/need-imports.module';
import { NeedsModule } from './needs/needs.module';
import { NEED_MODEL } from './needs/need.schema';

@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: `bull:${config.mongoDb}` }),
    EnterprisesModule,
    NeedsModule,
    NeedImportsModule,
    OutboxModule.forRoot({ source: EVENT_SOURCES.intake, pollIntervalMs: config.outboxScanIntervalMs, models: [NEED_MODEL], imports: [NeedsModule] }),
  ],
})
export class AppModule {}
