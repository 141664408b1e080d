/**
 * The ranking worker thread (started by WorkerRanker): holds the relevance model, reads the catalogue
 * itself (its own connection to matching's database) and rebuilds and ranks here, so neither a
 * rebuild (seconds at 100,000 items) nor a ranking holds the service's event loop, where Kafka
 * heartbeats, HTTP requests and BullMQ's job locks are served.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MongoClient } from 'mongodb';
import { InProcessRanker, type StoredSupplyItem } from './catalogue-ranker';
import type { RankingReply, RankingRequest, RankingWorkerData } from './worker-ranker';

const { mongoUrl, mongoDb, collection } = workerData as RankingWorkerData;
let client = new MongoClient(mongoUrl, { maxPoolSize: 2 });

/**
 * The catalogue as stored. A failed read replaces the client: after a store restart the driver can
 * stay wedged for minutes (see libs/store's StoreWatchdog, which does this for the service's own
 * connection), and the next job's read should not inherit that.
 */
async function readCatalogue(): Promise<StoredSupplyItem[]> {
  try {
    return await client.db(mongoDb).collection<StoredSupplyItem>(collection).find({}, { projection: { outbox: 0 } }).toArray();
  } catch (error) {
    const wedged = client;
    client = new MongoClient(mongoUrl, { maxPoolSize: 2 });
    void wedged.close(true).catch(() => undefined);
    throw error;
  }
}

const ranker = new InProcessRanker(readCatalogue);

parentPort!.on('message', (request: RankingRequest) => {
  const work = request.op === 'rank' ? ranker.rank(request.minChanges, request.need, request.options) : ranker.size(request.minChanges);
  work.then(
    (result) => parentPort!.postMessage({ id: request.id, result } satisfies RankingReply),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies RankingReply),
  );
});
