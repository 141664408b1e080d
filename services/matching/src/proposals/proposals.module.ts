import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { NeedsModule } from '../needs/needs.module';
import { MATCH_RUN_MODEL, MatchRunSchema, PROPOSAL_MODEL, ProposalSchema } from './proposal.schema';
import { CATALOGUE_FANOUT_MODEL, CatalogueFanoutSchema } from './catalogue-fanout.schema';
import { CatalogueChangesConsumer } from './catalogue-changes.consumer';
import { ProposalsController } from './proposals.controller';
import { ProposalsRepository } from './proposals.repository';
import { NeedScoringService } from './need-scoring.service';
import { ProposalsService } from './proposals.service';
import { ScoringProcessor } from './scoring.processor';
import { UnscoredSweep } from './unscored-sweep';
import { SCORING_QUEUE } from './scoring.queue';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: MATCH_RUN_MODEL, schema: MatchRunSchema },
      { name: CATALOGUE_FANOUT_MODEL, schema: CatalogueFanoutSchema },
      { name: PROPOSAL_MODEL, schema: ProposalSchema },
    ]),
    BullModule.registerQueue({ name: SCORING_QUEUE }),
    CatalogueModule,
    NeedsModule,
  ],
  controllers: [ProposalsController, CatalogueChangesConsumer],
  providers: [ProposalsRepository, ProposalsService, NeedScoringService, ScoringProcessor, UnscoredSweep],
  // The models, for the outbox relay; the repository, for the reminders.
  exports: [MongooseModule, ProposalsRepository],
})
export class ProposalsModule {}
