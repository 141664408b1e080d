import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CatalogueImportService } from './catalogue-import';
import { CatalogueController } from './catalogue.controller';
import { CatalogueService } from './catalogue.service';
import { SUPPLY_ITEM_MODEL, SupplyItemSchema } from './supply-item.schema';
import { SupplyItemsRepository } from './supply-items.repository';

@Module({
  imports: [MongooseModule.forFeature([{ name: SUPPLY_ITEM_MODEL, schema: SupplyItemSchema }])],
  controllers: [CatalogueController],
  providers: [SupplyItemsRepository, CatalogueService, CatalogueImportService],
  exports: [CatalogueService, MongooseModule],
})
export class CatalogueModule {}
