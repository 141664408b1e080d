import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { REMINDER_MODEL, ReminderSchema } from './reminder.schema';
import { RemindersController } from './reminders.controller';
import { RemindersService } from './reminders.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: REMINDER_MODEL, schema: ReminderSchema }])],
  controllers: [RemindersController],
  providers: [RemindersService],
  exports: [RemindersService],
})
export class RemindersModule {}
