import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DealsModule } from '../deals/deals.module';
import { DEAL_REMINDER_QUEUE, DealRemindersProcessor, DealRemindersScheduler, DealRemindersService } from './deal-reminders';

/** Reminders of deals stuck at intent or signed (专员跟踪). */
@Module({
  imports: [BullModule.registerQueue({ name: DEAL_REMINDER_QUEUE }), DealsModule],
  controllers: [DealRemindersScheduler],
  providers: [DealRemindersService, DealRemindersProcessor],
})
export class RemindersModule {}
