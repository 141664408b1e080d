import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FunnelConsumer } from './funnel.consumer';
import { FUNNEL_MODEL, FunnelStageSchema } from './funnel.schema';
import { FunnelService } from './funnel.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: FUNNEL_MODEL, schema: FunnelStageSchema }])],
  controllers: [FunnelConsumer],
  providers: [FunnelService],
  exports: [FunnelService],
})
export class FunnelModule {}
