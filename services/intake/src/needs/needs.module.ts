import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EnterprisesModule } from '../enterprises/enterprises.module';
import { RemindersModule } from '../reminders/reminders.module';
import { DownstreamEventsConsumer } from './downstream-events.consumer';
import { NeedLifecycleService } from './need-lifecycle.service';
import { NeedsController } from './needs.controller';
import { NEED_MODEL, NeedSchema } from './need.schema';
import { NeedsRepository } from './needs.repository';
import { NeedsService } from './needs.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: NEED_MODEL, schema: NeedSchema }]), EnterprisesModule, RemindersModule],
  controllers: [NeedsController, DownstreamEventsConsumer],
  providers: [NeedsRepository, NeedsService, NeedLifecycleService],
  exports: [MongooseModule, NeedsService],
})
export class NeedsModule {}
