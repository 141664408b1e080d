import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { redisConnection } from '@tt/platform';
import { AnalystEventsModule } from './analyst-events/analyst-events.module';
import { config } from './config';
import { DashboardModule } from './dashboard/dashboard.module';
import { DealsModule } from './deals/deals.module';
import { FunnelModule } from './funnel/funnel.module';
import { TotalsModule } from './totals/totals.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * Reporting publishes nothing to Kafka, so it has no outbox. Analysts get the deal events it has
 * applied from its own log: GET /events, the SSE stream and webhooks.
 */
@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    BullModule.forRoot({ connection: redisConnection(config.redisUrl), prefix: `bull:${config.mongoDb}` }),
    AnalystEventsModule,
    WebhooksModule,
    DashboardModule,
    FunnelModule,
    TotalsModule,
    DealsModule,
  ],
})
export class AppModule {}
