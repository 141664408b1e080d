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

/**
 * The work left by the handlers of one batch, per kind of work, each item kept once. Items settle in
 * the order of the record that first left them (its offset): the transport runs the handlers of
 * different keys concurrently, so arrival order is not the partition's order, but what a work does
 * with its items (the analysts' log appends them) still follows the partition.
 */
export class BatchScope {
  /** Per work, each item with the position it settles at. */
  private readonly pending = new Map<BatchWork<unknown>, Map<unknown, number>>();

  /** `position`: the leaving record's place in the partition (its offset); items without one settle in arrival order, after those with one. */
  add<T>(work: BatchWork<T>, item: T, position = Infinity): void {
    const items = this.pending.get(work as BatchWork<unknown>) ?? new Map<unknown, number>();
    const earlier = items.get(item);
    if (earlier === undefined || position < earlier) items.set(item, position);
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
      // A stable sort: items of one position (or of none) keep their arrival order.
      await work.settle([...items].sort(([, a], [, b]) => a - b).map(([item]) => item));
      this.pending.delete(work);
    }
  }
}
