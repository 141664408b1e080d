import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { supplyItem, type SupplyItemPayload, type SupplyKind } from '@tt/contracts';
import { EventOutbox } from '@tt/messaging';
import { conflict, entityTag, invalid, preconditionFailed } from '@tt/platform';
import { config } from '../config';
import { CATALOGUE_RANKER, type CatalogueRanker } from '../scoring/catalogue-ranker';
import { SharedReads } from '../shared-reads';
import type { NeedForMatching, RankedCandidate, RankOptions, SupplyItem } from '../scoring/scoring.types';
import { ID_PREFIX, loadCatalogue } from './catalogue-file';
import type { SupplyItemDocument } from './supply-item.schema';
import { SupplyItemsRepository, type CatalogueFilter } from './supply-items.repository';

type Admin = { subject: string };
/** An item's content: everything but its id, status and bookkeeping. */
export type SupplyContent = Omit<SupplyItemPayload, 'supplyId'>;

/**
 * Owns the supply catalogue. Every change (list, revise, retire) is one write of the item with its
 * event in the item's outbox, guarded by the item's revision (the ETag), so two admins or two
 * instances cannot both change the same revision. The sample file seeds items that are missing (it
 * never overwrites what the API changed).
 *
 * Each instance ranks with a relevance model over the active items, held in a worker thread (see
 * WorkerRanker), rebuilt there when the catalogue has moved on: every change adds exactly one to
 * (items + Σ revisions), so comparing that count in the store with the one the model was built from
 * tells, exactly and without any lock, whether the model has every change.
 */
@Injectable()
export class CatalogueService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CatalogueService.name);

  constructor(
    private readonly items: SupplyItemsRepository,
    private readonly outbox: EventOutbox,
    @Inject(CATALOGUE_RANKER) private readonly ranker: CatalogueRanker,
  ) {}

  async onModuleInit(): Promise<void> {
    const fromFile = loadCatalogue(config.cataloguePath);
    await this.items.upgradeUnrevised(); // items stored by versions before the management API
    let seeded = 0;
    for (const { id, ...content } of fromFile) {
      const at = new Date();
      const listed = this.outbox.stage('cn.techtransfer.supply.listed.v1', { item: payloadOf(id, content), revision: 0, by: 'catalogue-file', at: at.toISOString() });
      if (await this.items.seed(id, content, listed)) seeded++; // never overwrites what the API changed
    }
    const active = await this.ranker.size(await this.items.changeCount()); // the first model, built before the service is ready
    this.logger.log(`catalogue: ${fromFile.length} items in ${config.cataloguePath}, ${seeded} new; ${active} active items in the model`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.ranker.close();
  }

  /**
   * A ranker whose model has every change the store held at `readAt` (the worker rebuilds it first
   * when it has moved on). A job that starts while another job's count of changes is in flight shares
   * that read: one aggregation over the catalogue for a burst of concurrent jobs, not one each (under
   * load every store round trip of a scoring job took 40–50 ms, and this one grows with the
   * catalogue). The model is then as of the shared read's start, which is the `readAt` returned: a
   * time at or before the read, as the catalogue-window logic needs (NeedScoringService.followCatalogue).
   */
  async freshModel(): Promise<{ relevance: { rank(need: NeedForMatching, options: RankOptions): Promise<RankedCandidate[]> }; readAt: Date }> {
    const counting = this.counts.share('changes', () => this.items.changeCount());
    const changes = await counting.value;
    return { relevance: { rank: (need, options) => this.ranker.rank(changes, need, options) }, readAt: counting.startedAt };
  }

  /** The count of changes in flight (shared by the jobs that start meanwhile). */
  private readonly counts = new SharedReads<'changes', number>();

  /** Lists a new item (revision 0) and publishes supply listed. */
  async create(content: SupplyContent, admin: Admin) {
    const supplyId = `${ID_PREFIX[content.kind]}-${randomBytes(4).toString('hex')}`;
    const item = checked(supplyId, content);
    const at = new Date();
    const listed = this.outbox.stage('cn.techtransfer.supply.listed.v1', { item, revision: 0, by: admin.subject, at: at.toISOString() });
    const { supplyId: _id, ...rest } = item;
    await this.items.insertListed({ _id, ...rest, status: 'active', revision: 0, createdBy: admin.subject, outbox: [listed] });
    return this.get(_id);
  }

  /** Revises an item (the fields sent; `null` clears an optional one) under If-Match, and publishes supply revised. */
  async revise(supplyId: string, changes: Partial<SupplyContent>, admin: Admin, expectedRevision: number | undefined) {
    const current = await this.items.get(supplyId);
    if (current.status === 'retired') throw conflict(`catalogue item ${supplyId} is retired and cannot be revised`, { currentStatus: 'retired' });
    if (changes.kind !== undefined && changes.kind !== current.kind) throw invalid([{ pointer: '/kind', reason: 'an item’s kind cannot change: retire it and list a new one' }]);
    if (expectedRevision !== undefined && expectedRevision !== current.revision) throw preconditionFailed(current.revision);
    const merged = Object.fromEntries(
      Object.entries({ ...contentOf(current), ...changes }).filter(([, v]) => v !== null && v !== undefined),
    ) as SupplyContent;
    const item = checked(supplyId, merged);
    if (JSON.stringify(item) === JSON.stringify(checked(supplyId, contentOf(current)))) throw invalid([{ pointer: '', reason: 'the revision changes nothing' }]);
    const revision = current.revision + 1;
    const at = new Date();
    const revised = this.outbox.stage('cn.techtransfer.supply.revised.v1', { item, revision, by: admin.subject, at: at.toISOString() });
    const { supplyId: _id, ...content } = item;
    const unset = Object.fromEntries(OPTIONAL_FIELDS.filter((k) => !(k in content)).map((k) => [k, 1]));
    await this.items.write(current, { $set: { ...content, revision }, ...(Object.keys(unset).length ? { $unset: unset } : {}), $push: { outbox: revised } });
    return this.get(supplyId);
  }

  /** Retires an item: never proposed again. If-Match optional. */
  async retire(supplyId: string, reason: string, admin: Admin, expectedRevision: number | undefined) {
    const current = await this.items.get(supplyId);
    if (current.status === 'retired') throw conflict(`catalogue item ${supplyId} is already retired`, { currentStatus: 'retired' });
    if (expectedRevision !== undefined && expectedRevision !== current.revision) throw preconditionFailed(current.revision);
    const revision = current.revision + 1;
    const at = new Date();
    const retired = this.outbox.stage('cn.techtransfer.supply.retired.v1', { supplyId, kind: current.kind, reason, revision, by: admin.subject, at: at.toISOString() });
    await this.items.write(current, { $set: { status: 'retired', revision, retired: { reason, at, by: admin.subject } }, $push: { outbox: retired } });
    return this.get(supplyId);
  }

  /** The item with the import's natural key (kind, name, organisation), if listed. */
  findByNaturalKey(kind: SupplyKind, name: string, organisation: string | undefined) {
    return this.items.findByNaturalKey(kind, name, organisation);
  }

  async get(supplyId: string) {
    return present(await this.items.get(supplyId));
  }

  /** Whether an item may be proposed or accepted now (listed and not retired). */
  isActive(supplyId: string): Promise<boolean> {
    return this.items.isActive(supplyId);
  }

  async list(filter: CatalogueFilter, page: number, pageSize: number) {
    const { items, total } = await this.items.page(filter, page, pageSize);
    return { items: items.map(present), page, pageSize, total };
  }
}

/** The item checked with the event's own schema, so what the API accepts is what the events carry. */
export function checked(supplyId: string, content: SupplyContent): SupplyItemPayload {
  const parsed = supplyItem.safeParse({ supplyId, ...content });
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error.issues.slice(0, 20).map((i) => ({ pointer: `/${i.path.join('/')}`, reason: i.message })));
}

function payloadOf(supplyId: string, content: Omit<SupplyItem, 'id'>): SupplyItemPayload {
  return supplyItem.parse({ supplyId, ...content });
}

/** The optional item fields: a revision that drops one removes it from the stored item. */
const OPTIONAL_FIELDS = ['organisation', 'trl', 'serviceArea', 'cooperationModes', 'details'] as const;

function contentOf(doc: SupplyItemDocument): SupplyContent {
  const { kind, name, organisation, summary, technicalField, keywords, regionCode, trl, serviceArea, cooperationModes, details } = doc;
  return Object.fromEntries(
    Object.entries({ kind, name, organisation, summary, technicalField, keywords, regionCode, trl, serviceArea, cooperationModes, details }).filter(
      ([, v]) => v !== undefined && v !== null,
    ),
  ) as SupplyContent;
}

function present(doc: SupplyItemDocument) {
  const { _id, outbox: _o, ...rest } = doc;
  return { id: _id, ...rest, status: rest.status ?? 'active', revision: rest.revision ?? 0, etag: entityTag(rest.revision ?? 0) };
}

