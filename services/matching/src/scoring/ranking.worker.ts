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
const client = new MongoClient(mongoUrl, { maxPoolSize: 2 });
const ranker = new InProcessRanker(() => client.db(mongoDb).collection<StoredSupplyItem>(collection).find({}, { projection: { outbox: 0 } }).toArray());

parentPort!.on('message', (request: RankingRequest) => {
  const work = request.op === 'rank' ? ranker.rank(request.minChanges, request.need, request.options) : ranker.size(request.minChanges);
  work.then(
    (result) => parentPort!.postMessage({ id: request.id, result } satisfies RankingReply),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies RankingReply),
  );
});
