import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FunnelModule } from '../funnel/funnel.module';
import { RollupApplier } from './rollup-applier';
import { ROLLUP_MODEL, RollupSchema } from './rollup.schema';
import { ROLLUP_QUEUE, RollupSweepProcessor, RollupSweeps } from './rollup-sweep';
import { TotalsController } from './totals.controller';
import { TotalsService } from './totals.service';
import { TRANSACTION_MODEL, TransactionSchema } from './transaction.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: TRANSACTION_MODEL, schema: TransactionSchema },
      { name: ROLLUP_MODEL, schema: RollupSchema },
    ]),
    BullModule.registerQueue({ name: ROLLUP_QUEUE }),
    FunnelModule,
  ],
  controllers: [TotalsController],
  providers: [TotalsService, RollupApplier, RollupSweeps, RollupSweepProcessor],
  exports: [TotalsService],
})
export class TotalsModule {}
