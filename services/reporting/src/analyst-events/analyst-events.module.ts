import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ANALYST_EVENT_MODEL, AnalystEventSchema } from './analyst-event.schema';
import { AnalystEventsService } from './analyst-events.service';
import { EventsController } from './events.controller';

/** The analysts' event log and its two read sides: GET /events (cursor) and GET /events/stream (SSE). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ANALYST_EVENT_MODEL, schema: AnalystEventSchema },
    ]),
  ],
  controllers: [EventsController],
  providers: [AnalystEventsService],
  exports: [AnalystEventsService],
})
export class AnalystEventsModule {}
