import type { Connection } from 'mongoose';

/**
 * `@EventPattern(type, DEDUPED_BY_EFFECT)`: the handler's own write already makes a redelivery change
 * nothing (an insert-if-absent on a natural key, a job with a deterministic id, a monotonic fact), so
 * the transport neither looks its events up in the processed-events store nor records them: the
 * store's round trips were a third of the pipeline's updates per need. Mark only such handlers;
 * every other one keeps the store. (Every handler must survive running twice anyway: a crash between
 * its effect and its batch's record re-runs it. This only skips the shortcut where it saves nothing.)
 */
export const DEDUPED_BY_EFFECT = Object.freeze({ dedupedByEffect: true as const });

/** Whether a handler's extras (`@EventPattern`'s second argument) say it is deduped by its effect. */
export const isDedupedByEffect = (extras: Record<string, unknown> | undefined): boolean => extras?.dedupedByEffect === true;

/** How long a processed event id is remembered: well past any redelivery Kafka's retention allows. */
export const PROCESSED_EVENTS_KEPT_SECONDS = 30 * 24 * 3600;

/**
 * Remembers which events a consumer group has handled, so a redelivered event is acknowledged
 * without running its handler again. Handlers are also written to be idempotent on natural keys:
 * this store makes redelivery cheap, the handlers make it harmless even between effect and record.
 * Both operations take a whole batch of records: one round trip each per batch.
 */
export interface ProcessedEventStore {
  /** Called once before consuming (indexes, expiry). */
  prepare(): Promise<void>;
  /** Which of these event ids the group has handled already. */
  seen(consumerGroup: string, eventIds: string[]): Promise<Set<string>>;
  record(consumerGroup: string, events: Array<{ id: string; type: string }>): Promise<void>;
}

export class MongoProcessedEventStore implements ProcessedEventStore {
  constructor(
    private readonly connection: Connection,
    private readonly collectionName = 'processed_events',
  ) {}

  private get collection() {
    return this.connection.collection<{ _id: string; type: string; processedAt: Date }>(this.collectionName);
  }

  /** Old records expire (a TTL index): the store grows with the retention window, not with all history. */
  async prepare(): Promise<void> {
    await this.collection.createIndex({ processedAt: 1 }, { expireAfterSeconds: PROCESSED_EVENTS_KEPT_SECONDS });
  }

  async seen(consumerGroup: string, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const prefix = `${consumerGroup}/`;
    const found = await this.collection.find({ _id: { $in: eventIds.map((id) => prefix + id) } }, { projection: { _id: 1 } }).toArray();
    return new Set(found.map((d) => d._id.slice(prefix.length)));
  }

  async record(consumerGroup: string, events: Array<{ id: string; type: string }>): Promise<void> {
    if (events.length === 0) return;
    const processedAt = new Date();
    // Upserts, so recording twice (a redelivery racing a restart, or another instance) is not an error.
    await this.collection.bulkWrite(
      events.map(({ id, type }) => ({ updateOne: { filter: { _id: `${consumerGroup}/${id}` }, update: { $setOnInsert: { type, processedAt } }, upsert: true } })),
      { ordered: false },
    );
  }
}
