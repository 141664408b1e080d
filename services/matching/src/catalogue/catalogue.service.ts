import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { config } from '../config';
import { RelevanceModel } from '../scoring/relevance-model';
import type { SupplyItem } from '../scoring/scoring.types';
import { loadCatalogue } from './catalogue-file';
import { SUPPLY_ITEM_MODEL, type SupplyItemDocument } from './supply-item.schema';

/**
 * Owns the supply catalogue: loads the catalogue file into the database at start (upserts by id,
 * so restarts and several instances agree) and keeps the relevance model built over it.
 */
@Injectable()
export class CatalogueService implements OnModuleInit {
  private readonly logger = new Logger(CatalogueService.name);
  private model?: RelevanceModel;

  constructor(@InjectModel(SUPPLY_ITEM_MODEL) private readonly items: Model<SupplyItemDocument>) {}

  async onModuleInit(): Promise<void> {
    const fromFile = loadCatalogue(config.cataloguePath);
    await this.items.bulkWrite(
      fromFile.map(({ id, ...rest }) => ({ replaceOne: { filter: { _id: id }, replacement: { _id: id, ...rest }, upsert: true } })),
      { ordered: false },
    );
    await this.rebuild();
    this.logger.log(`catalogue loaded: ${fromFile.length} items from ${config.cataloguePath}`);
  }

  async rebuild(): Promise<void> {
    const docs = await this.items.find().lean().exec();
    this.model = new RelevanceModel(docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }) as SupplyItem));
  }

  relevanceModel(): RelevanceModel {
    if (!this.model) throw new Error('catalogue not loaded yet');
    return this.model;
  }

  async list(filter: { kind?: string; technicalField?: string }, page: number, pageSize: number) {
    const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    const [items, total] = await Promise.all([
      this.items.find(query).sort({ _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean().exec(),
      this.items.countDocuments(query).exec(),
    ]);
    return { items: items.map(({ _id, ...rest }) => ({ id: _id, ...rest })), page, pageSize, total };
  }
}
