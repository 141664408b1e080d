/**
 * Work a handler leaves to the end of its batch: what many events of one batch each need done, done
 * once for all of them (one round trip for the batch instead of one per event). The transport settles
 * it before it records the batch's events as processed and commits their offset, so a crash before
 * that point only means the events (and so the work) come again: nothing is lost.
 */
export interface BatchWork<T> {
  /** For logs: what the work is. */
  readonly name: string;
  /** Works settle in ascending stage (0 when absent), so one may follow another (the log of what the totals hold after them). */
  readonly stage?: number;
  /** Does the work for every item left during the batch (each item once). May be retried after a failure. */
  settle(items: readonly T[]): Promise<void>;
}

/** The work left by the handlers of one batch, per kind of work, items kept once each in arrival order. */
export class BatchScope {
  private readonly pending = new Map<BatchWork<unknown>, Set<unknown>>();

  add<T>(work: BatchWork<T>, item: T): void {
    const items = this.pending.get(work as BatchWork<unknown>) ?? new Set<unknown>();
    items.add(item);
    this.pending.set(work as BatchWork<unknown>, items);
  }

  get size(): number {
    let n = 0;
    for (const items of this.pending.values()) n += items.size;
    return n;
  }

  /** Settles every work left, by stage; on a failure the unsettled items stay, for the retry. */
  async settle(): Promise<void> {
    const works = [...this.pending].sort(([a], [b]) => (a.stage ?? 0) - (b.stage ?? 0));
    for (const [work, items] of works) {
      await work.settle([...items]);
      this.pending.delete(work);
    }
  }
}
