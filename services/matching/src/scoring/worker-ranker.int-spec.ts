import { MongoClient, type Collection } from 'mongodb';
import { join } from 'node:path';
import { loadCatalogue } from '../catalogue/catalogue-file';
import { SUPPLY_ITEM_COLLECTION } from '../catalogue/supply-item.schema';
import type { StoredSupplyItem } from './catalogue-ranker';
import { RelevanceModel } from './relevance-model';
import type { NeedForMatching } from './scoring.types';
import { WorkerRanker } from './worker-ranker';

/**
 * The ranking worker thread on the real MongoDB-wire server: it reads matching's catalogue itself,
 * ranks as the model does in this thread, follows a change once a job has counted it, reports a
 * failure as the request's error, and a worker that died is replaced at the next request.
 */
describe('the ranking worker', () => {
  const database = `t_${Date.now().toString(36)}_ranking_worker`;
  const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  const sample = loadCatalogue(join(__dirname, '..', '..', 'catalogue', 'sample-catalogue.json'));
  const need: NeedForMatching = { title: '芯片设计', description: '年产三百万颗芯片的设计需求，寻求集成电路设计合作', category: 'tech-breakthrough', technicalField: 'electronic-information', keywords: ['芯片', '集成电路'], regionCode: '320506' };
  let client: MongoClient;
  let items: Collection<StoredSupplyItem>;
  let ranker: WorkerRanker;

  beforeAll(async () => {
    client = await new MongoClient(mongoUrl).connect();
    items = client.db(database).collection<StoredSupplyItem>(SUPPLY_ITEM_COLLECTION);
    await items.insertMany(sample.map(({ id, ...content }) => ({ _id: id, ...content, status: 'active' as const, revision: 0, outbox: [] })));
    ranker = new WorkerRanker({ mongoUrl, mongoDb: database, collection: SUPPLY_ITEM_COLLECTION }, 256);
  });

  afterAll(async () => {
    await ranker?.close();
    await client?.db(database).dropDatabase().catch(() => undefined);
    await client?.close();
  });

  it('ranks what the model ranks in this thread, over the catalogue it read from the store', async () => {
    const inThread = new RelevanceModel(sample).rank(need, { limit: 5 });
    expect(inThread.length).toBeGreaterThan(0);
    expect(await ranker.rank(sample.length, need, { limit: 5 })).toEqual(inThread);
  });

  it('rebuilds for a job that counted a change, and leaves a retired item out', async () => {
    const [top] = await ranker.rank(sample.length, need, { limit: 1 });
    await items.updateOne({ _id: top.supplyId }, { $set: { status: 'retired' }, $inc: { revision: 1 } });
    expect(await ranker.size(sample.length + 1)).toBe(sample.length - 1);
    expect((await ranker.rank(sample.length + 1, need, { limit: 10 })).map((c) => c.supplyId)).not.toContain(top.supplyId);
  });

  it("fails the request with the worker's error, and goes on serving", async () => {
    await expect(ranker.rank(sample.length + 100, need, { limit: 5 })).rejects.toThrow(/fewer than the \d+ counted/);
    expect(await ranker.size(sample.length + 1)).toBe(sample.length - 1);
  });

  it('fails the requests in flight at close, without waiting for them, and every request after it', async () => {
    // A store that never answers keeps the request in flight: closing must not wait for it (BullMQ's own close waits for the job).
    const stuck = new WorkerRanker({ mongoUrl: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=60000', mongoDb: database, collection: SUPPLY_ITEM_COLLECTION }, 256);
    const inFlight = stuck.size(1);
    await new Promise((r) => setTimeout(r, 300));
    const failed = expect(inFlight).rejects.toThrow(/the ranking worker was closed/);
    await stuck.close();
    await failed;
    await expect(stuck.rank(1, need, { limit: 5 })).rejects.toThrow(/the ranking worker was closed/);
  });

  it('fails the requests in flight when the worker dies, and starts a new one at the next request', async () => {
    const workerOf = (r: WorkerRanker) => (r as unknown as { worker: { terminate(): Promise<number> } }).worker;
    // A worker whose store never answers keeps the request in flight until the thread is ended (as a crash would end it).
    const stuck = new WorkerRanker({ mongoUrl: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=60000', mongoDb: database, collection: SUPPLY_ITEM_COLLECTION }, 256);
    const inFlight = stuck.size(1);
    await new Promise((r) => setTimeout(r, 300));
    await workerOf(stuck).terminate();
    await expect(inFlight).rejects.toThrow(/the ranking worker exited/);
    await stuck.close();
    await workerOf(ranker).terminate(); // idle: nothing fails
    expect(await ranker.size(sample.length + 1)).toBe(sample.length - 1); // a new worker, a new model from the store
  });
});
