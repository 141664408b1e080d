import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EVENT_SOURCES } from '@tt/contracts';
import { OutboxModule } from '@tt/messaging';
import { HealthModule } from '@tt/platform';
import { CatalogueModule } from './catalogue/catalogue.module';
import { config, redisConnection } from './config';
import { NeedsModule } from './needs/needs.module';
import { ProposalsModule } from './proposals/proposals.module';
import { MATCH_RUN_MODEL, PROPOSAL_MODEL } from './proposals/proposal.schema';

@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: `bull:${config.mongoDb}` }),
    HealthModule.forRoot(),
    CatalogueModule,
    NeedsModule,
    ProposalsModule,
    OutboxModule.forRoot({ source: EVENT_SOURCES.matching, models: [MATCH_RUN_MODEL, PROPOSAL_MODEL], imports: [ProposalsModule] }),
  ],
})
export class AppModule {}
