import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FunnelModule } from '../funnel/funnel.module';
import { TotalsController } from './totals.controller';
import { TotalsService } from './totals.service';
import { TRANSACTION_MODEL, TransactionSchema } from './transaction.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: TRANSACTION_MODEL, schema: TransactionSchema }]), FunnelModule],
  controllers: [TotalsController],
  providers: [TotalsService],
  exports: [TotalsService],
})
export class TotalsModule {}
