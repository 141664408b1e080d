import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { HealthModule } from '@tt/platform';
import { config } from './config';
import { DealsModule } from './deals/deals.module';
import { FunnelModule } from './funnel/funnel.module';
import { TotalsModule } from './totals/totals.module';

/** Reporting publishes nothing, so it has no outbox. */
@Module({
  imports: [
    MongooseModule.forRoot(config.mongoUrl, { dbName: config.mongoDb, retryWrites: false }),
    HealthModule.forRoot(),
    FunnelModule,
    TotalsModule,
    DealsModule,
  ],
})
export class AppModule {}
