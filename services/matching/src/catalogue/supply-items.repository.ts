import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { SupplyKind, SupplyStatus } from '@tt/contracts';
import { EventOutbox, type OutboxEntry } from '@tt/messaging';
import { conflict, notFound, preconditionFailed } from '@tt/platform';
import { isDuplicateKey } from '@tt/store';
import type { SupplyItem } from '../scoring/scoring.types';
import { SUPPLY_ITEM_MODEL, type SupplyItemDocument } from './supply-item.schema';

/** What a listed item is stored with: its content, status, revision, creator and the events it stages. */
export type ListedItem = Omit<SupplyItemDocument, 'retired' | 'createdAt' | 'updatedAt'>;
export type CatalogueFilter = { kind?: string; technicalField?: string; status?: SupplyStatus; regionCode?: string };

/**
 * The supply items collection: every change one write of the item with its event in the item's
 * outbox (an insert, or a compare-and-set on the item's revision), flushed to the outbox relay once
 * it landed; and the reads (the catalogue is the same for every park), paged and without the outbox.
 */
@Injectable()
export class SupplyItemsRepository {
  constructor(
    @InjectModel(SUPPLY_ITEM_MODEL) private readonly items: Model<SupplyItemDocument>,
    private readonly outbox: EventOutbox,
  ) {}

  /** Items stored by versions before the management API: revision 0, active (idempotent, any instance). */
  async upgradeUnrevised(): Promise<void> {
    await this.items.updateMany({ revision: { $exists: false } }, { $set: { revision: 0, status: 'active', createdBy: 'catalogue-file' } }).exec();
  }

  /** Lists an item of the catalogue file if missing; false when it was listed before. */
  async seed(id: string, content: Omit<SupplyItem, 'id'>, listed: OutboxEntry): Promise<boolean> {
    try {
      const result = await this.items
        .updateOne({ _id: id }, { $setOnInsert: { ...content, status: 'active', revision: 0, createdBy: 'catalogue-file', outbox: [listed] } }, { upsert: true })
        .exec();
      if (result.upsertedCount === 0) return false; // listed before (by this file or another instance)
    } catch (error) {
      if (isDuplicateKey(error)) return false; // another instance seeded it at the same moment
      throw error;
    }
    this.outbox.flush(this.items, id);
    return true;
  }

  /** Lists a new item with its supply listed. */
  async insertListed(item: ListedItem): Promise<void> {
    await this.items.create(item);
    this.outbox.flush(this.items, item._id);
  }

  /** The compare-and-set on the revision read; a lost race answers 412 with the current ETag. */
  async write(current: SupplyItemDocument, update: object): Promise<void> {
    const result = await this.items.updateOne({ _id: current._id, revision: current.revision, status: 'active' }, update).exec();
    if (result.matchedCount === 0) {
      const now = await this.get(current._id);
      if (now.status === 'retired') throw conflict(`catalogue item ${current._id} is retired`, { currentStatus: 'retired' });
      throw preconditionFailed(now.revision);
    }
    this.outbox.flush(this.items, current._id);
  }

  async get(supplyId: string): Promise<SupplyItemDocument> {
    const doc = await this.items.findById(supplyId, { outbox: 0 }).lean().exec();
    if (!doc) throw notFound('catalogue item', supplyId);
    return doc as SupplyItemDocument;
  }

  /** Whether an item may be proposed or accepted now (listed and not retired). */
  async isActive(supplyId: string): Promise<boolean> {
    return (await this.items.exists({ _id: supplyId, status: { $ne: 'retired' } })) !== null;
  }

  /** The item with the import's natural key (kind, name, organisation), if listed. */
  async findByNaturalKey(kind: SupplyKind, name: string, organisation: string | undefined): Promise<string | undefined> {
    const doc = await this.items.findOne({ kind, name, organisation: organisation ?? { $exists: false } }, { _id: 1 }).lean().exec();
    return doc?._id;
  }

  /** Items + Σ revisions: every change adds exactly one. */
  async changeCount(): Promise<number> {
    const [row] = await this.items.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: { $add: [1, { $ifNull: ['$revision', 0] }] } } } }]).exec();
    return row?.n ?? 0;
  }

  /** One page of the items matching the filter, by id; `active` is every item not retired. */
  async page(filter: CatalogueFilter, page: number, pageSize: number): Promise<{ items: SupplyItemDocument[]; total: number }> {
    const query: Record<string, unknown> = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    if (query.status === 'active') query.status = { $ne: 'retired' };
    const [items, total] = await Promise.all([
      this.items.find(query, { outbox: 0 }).sort({ _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean().exec(),
      this.items.countDocuments(query).exec(),
    ]);
    return { items: items as SupplyItemDocument[], total };
  }
}
