import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DEAL_MODEL, DealSchema } from './deal.schema';
import { DealsController } from './deals.controller';
import { DealsRepository } from './deals.repository';
import { DealsService } from './deals.service';
import { MatchAcceptedConsumer } from './match-accepted.consumer';

@Module({
  imports: [MongooseModule.forFeature([{ name: DEAL_MODEL, schema: DealSchema }])],
  controllers: [DealsController, MatchAcceptedConsumer],
  providers: [DealsRepository, DealsService],
  exports: [MongooseModule],
})
export class DealsModule {}
