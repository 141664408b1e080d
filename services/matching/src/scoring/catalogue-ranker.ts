import type { SupplyItemDocument } from '../catalogue/supply-item.schema';
import { RelevanceModel } from './relevance-model';
import type { NeedForMatching, RankedCandidate, RankOptions, SupplyItem } from './scoring.types';

/** A catalogue item as stored (what a model is built from): retired ones included, they count as changes. */
export type StoredSupplyItem = Pick<SupplyItemDocument, '_id' | 'status' | 'revision'> & Omit<SupplyItem, 'id'>;

/** The Nest token of the instance's ranker (a WorkerRanker in the service). */
export const CATALOGUE_RANKER = Symbol('CatalogueRanker');

/**
 * Ranks needs against the catalogue as of at least a given number of changes. Every catalogue change
 * adds exactly one to (items + Σ revisions), so a model built from a read holding `minChanges` or more
 * has every change counted before that read: exact, and without any lock across instances.
 */
export interface CatalogueRanker {
  rank(minChanges: number, need: NeedForMatching, options: RankOptions): Promise<RankedCandidate[]>;
  /** The active items of a model holding at least `minChanges` (built first if needed). */
  size(minChanges: number): Promise<number>;
  close(): Promise<void>;
}

/** (items + Σ revisions) of a read of the catalogue, and the model over its active items. */
export function modelOf(docs: readonly StoredSupplyItem[]): { relevance: RelevanceModel; changes: number } {
  const active = docs.filter((d) => d.status !== 'retired').map(({ _id, status: _s, revision: _r, ...rest }) => ({ id: _id, ...rest }) as SupplyItem);
  return { relevance: new RelevanceModel(active), changes: docs.reduce((n, d) => n + 1 + (d.revision ?? 0), 0) };
}

/**
 * The model held in the calling thread: built from `load` when it holds fewer changes than asked for.
 * The ranking worker runs one (see WorkerRanker); a test may run one directly.
 */
export class InProcessRanker implements CatalogueRanker {
  private model?: { relevance: RelevanceModel; changes: number };
  private rebuilding?: Promise<void>;

  constructor(private readonly load: () => Promise<readonly StoredSupplyItem[]>) {}

  async rank(minChanges: number, need: NeedForMatching, options: RankOptions): Promise<RankedCandidate[]> {
    return (await this.modelWith(minChanges)).rank(need, options);
  }

  async size(minChanges: number): Promise<number> {
    return (await this.modelWith(minChanges)).size;
  }

  async close(): Promise<void> {}

  /**
   * A model holding at least `minChanges`. Callers that arrive during a rebuild share it; a rebuild
   * whose read began before the caller's count may still fall short, so the caller then waits for one
   * that began after (a second read that falls short means the store lost a change: an error, retried).
   */
  private async modelWith(minChanges: number): Promise<RelevanceModel> {
    for (let rebuilds = 0; !this.model || this.model.changes < minChanges; rebuilds++) {
      if (rebuilds === 2) throw new Error(`the catalogue read holds ${this.model?.changes ?? 0} changes, fewer than the ${minChanges} counted`);
      this.rebuilding ??= this.rebuild().finally(() => (this.rebuilding = undefined));
      await this.rebuilding;
    }
    return this.model.relevance;
  }

  private async rebuild(): Promise<void> {
    this.model = modelOf(await this.load());
  }
}
