/** A read in flight, and when it started. */
export interface SharedRead<V> {
  startedAt: Date;
  value: Promise<V>;
}

/**
 * Reads in flight, by key: a caller that asks for a key while its read is in flight gets that read
 * (as if it had asked when the read started), instead of a round trip of its own. Concurrent scoring
 * jobs ask for the same catalogue count and feedback documents, and under load each round trip waits
 * tens of milliseconds. Nothing is kept once a read has settled: the next caller reads afresh.
 */
export class SharedReads<K, V> {
  private readonly inFlight = new Map<K, SharedRead<V>>();

  share(key: K, read: () => Promise<V>): SharedRead<V> {
    const current = this.inFlight.get(key);
    if (current) return current;
    const started: SharedRead<V> = { startedAt: new Date(), value: read() };
    this.inFlight.set(key, started);
    const settled = () => void (this.inFlight.get(key) === started && this.inFlight.delete(key));
    started.value.then(settled, settled);
    return started;
  }
}
