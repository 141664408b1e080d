import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SCORING_QUEUE } from '../proposals/scoring.queue';
import { NeedEventsConsumer } from './need-events.consumer';
import { NEED_SNAPSHOT_MODEL, NeedSnapshotSchema } from './need-snapshot.schema';
import { NeedSnapshotsRepository } from './need-snapshots.repository';
import { ScoringRequests } from './scoring-requests';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: NEED_SNAPSHOT_MODEL, schema: NeedSnapshotSchema }]),
    BullModule.registerQueue({ name: SCORING_QUEUE }),
  ],
  controllers: [NeedEventsConsumer],
  providers: [NeedSnapshotsRepository, ScoringRequests],
  exports: [NeedSnapshotsRepository],
})
export class NeedsModule {}
