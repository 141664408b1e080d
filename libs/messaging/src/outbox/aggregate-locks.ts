/**
 * Serialises writes to one aggregate document within this process.
 *
 * Why: FerretDB v1 applies an update by reading the document, changing it in the server's memory and
 * writing it back, without isolation; two concurrent updates of one document can lose one of them
 * (seen here: the relay removing a published event undid a deal's concurrent status change). Every
 * write to a document with an outbox, the relay's included, goes through this lock. On MongoDB it
 * costs little; across several instances of a service it is not enough (see the messaging README).
 */
export class AggregateLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === current) this.tails.delete(key);
    }
  }
}

export const aggregateKey = (collection: string, id: unknown) => `${collection}/${String(id)}`;
