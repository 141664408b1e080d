import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EVENT_SOURCES } from '@tt/contracts';
import { OutboxModule } from '@tt/messaging';
import { redisConnection } from '@tt/platform';
import { CatalogueModule } from './catalogue/catalogue.module';
import { SUPPLY_ITEM_MODEL } from './catalogue/supply-item.schema';
import { config } from './config';
import { NeedsModule } from './needs/needs.module';
import { ProposalsModule } from './proposals/proposals.module';
import { MATCH_RUN_MODEL, PROPOSAL_MODEL } from './proposals/proposal.schema';
import { RemindersModule } from './reminders/reminders.module';

@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: `bull:${config.mongoDb}` }),
    CatalogueModule,
    NeedsModule,
    ProposalsModule,
    RemindersModule,
    OutboxModule.forRoot({ source: EVENT_SOURCES.matching, pollIntervalMs: config.outboxScanIntervalMs, models: [MATCH_RUN_MODEL, PROPOSAL_MODEL, SUPPLY_ITEM_MODEL], imports: [ProposalsModule, CatalogueModule] }),
  ],
})
export class AppModule {}
