import type { Connection } from 'mongoose';

/**
 * Remembers which events a consumer group has handled, so a redelivered event is acknowledged
 * without running its handler again. Handlers are also written to be idempotent on natural keys:
 * this store makes redelivery cheap, the handlers make it harmless even between effect and record.
 */
export interface ProcessedEventStore {
  has(consumerGroup: string, eventId: string): Promise<boolean>;
  record(consumerGroup: string, eventId: string, type: string): Promise<void>;
}

export class MongoProcessedEventStore implements ProcessedEventStore {
  constructor(
    private readonly connection: Connection,
    private readonly collectionName = 'processed_events',
  ) {}

  private get collection() {
    return this.connection.collection<{ _id: string; type: string; processedAt: Date }>(this.collectionName);
  }

  async has(consumerGroup: string, eventId: string): Promise<boolean> {
    return (await this.collection.countDocuments({ _id: `${consumerGroup}/${eventId}` }, { limit: 1 })) > 0;
  }

  async record(consumerGroup: string, eventId: string, type: string): Promise<void> {
    // An upsert, so recording twice (a redelivery racing a restart) is not an error.
    await this.collection.updateOne(
      { _id: `${consumerGroup}/${eventId}` },
      { $setOnInsert: { type, processedAt: new Date() } },
      { upsert: true },
    );
  }
}
