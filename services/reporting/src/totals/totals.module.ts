import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FunnelModule } from '../funnel/funnel.module';
import { RollupApplier } from './rollup-applier';
import { ROLLUP_MODEL, RollupSchema } from './rollup.schema';
import { ROLLUP_QUEUE, RollupSweepProcessor, RollupSweeps } from './rollup-sweep';
import { TotalsController } from './totals.controller';
import { TotalsQueries } from './totals.queries';
import { TRANSACTION_MODEL, TransactionSchema } from './transaction.schema';
import { TransactionsProjection } from './transactions.projection';
import { TransactionsRepository } from './transactions.repository';

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
  providers: [TransactionsRepository, TransactionsProjection, TotalsQueries, RollupApplier, RollupSweeps, RollupSweepProcessor],
  exports: [TransactionsProjection, RollupApplier],
})
export class TotalsModule {}
