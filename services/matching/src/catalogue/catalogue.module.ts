import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { config } from '../config';
import { CATALOGUE_RANKER } from '../scoring/catalogue-ranker';
import { WorkerRanker } from '../scoring/worker-ranker';
import { CatalogueImportService } from './catalogue-import';
import { CatalogueController } from './catalogue.controller';
import { CatalogueService } from './catalogue.service';
import { SUPPLY_ITEM_COLLECTION, SUPPLY_ITEM_MODEL, SupplyItemSchema } from './supply-item.schema';
import { SupplyItemsRepository } from './supply-items.repository';

@Module({
  imports: [MongooseModule.forFeature([{ name: SUPPLY_ITEM_MODEL, schema: SupplyItemSchema }])],
  controllers: [CatalogueController],
  providers: [
    SupplyItemsRepository,
    CatalogueService,
    CatalogueImportService,
    {
      provide: CATALOGUE_RANKER,
      useFactory: () => new WorkerRanker({ mongoUrl: config.mongoUrl, mongoDb: config.mongoDb, collection: SUPPLY_ITEM_COLLECTION }, config.rankingWorkerHeapMb),
    },
  ],
  exports: [CatalogueService, MongooseModule],
})
export class CatalogueModule {}
