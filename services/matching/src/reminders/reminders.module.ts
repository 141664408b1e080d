import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { NeedsModule } from '../needs/needs.module';
import { ProposalsModule } from '../proposals/proposals.module';
import { ProposalRemindersProcessor, ProposalRemindersScheduler, ProposalRemindersService, ReminderRequests } from './proposal-reminders';
import { REMINDER_QUEUE } from './reminders.queue';

/** Reminders of proposals left without a decision (专员跟踪). */
@Module({
  imports: [
    BullModule.registerQueue({ name: REMINDER_QUEUE }),
    ProposalsModule,
    NeedsModule,
  ],
  controllers: [ProposalRemindersScheduler],
  providers: [ProposalRemindersService, ProposalRemindersProcessor, ReminderRequests],
})
export class RemindersModule {}
