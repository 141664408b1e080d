import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalystEventsModule } from '../analyst-events/analyst-events.module';
import { FunnelModule } from '../funnel/funnel.module';
import { TotalsModule } from '../totals/totals.module';
import { DealEventsConsumer } from './deal-events.consumer';
import { DEAL_LEDGER_MODEL, DealLedgerSchema } from './deal-ledger.schema';
import { DealLedgerService } from './deal-ledger.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: DEAL_LEDGER_MODEL, schema: DealLedgerSchema }]), FunnelModule, TotalsModule, AnalystEventsModule],
  controllers: [DealEventsConsumer],
  providers: [DealLedgerService],
})
export class DealsModule {}
