import { Queue, Worker, type Job } from 'bullmq';
import mongoose, { type Connection, type Model } from 'mongoose';
import { redisConnection } from '@tt/platform';
import { NEED_SNAPSHOT_MODEL, NeedSnapshotSchema, type NeedSnapshot } from '../needs/need-snapshot.schema';
import { NeedSnapshotsRepository } from '../needs/need-snapshots.repository';
import { scoreNeedJob, SCORING_QUEUE, UNSCORED_AFTER_MS, type ScoringJob } from './scoring.queue';
import { UnscoredSweep } from './unscored-sweep';

/**
 * The unscored sweep on the real MongoDB-wire server and Redis: a need whose scoring job BullMQ gave up
 * on (the way a job caught by two worker deaths ends: failed for good) or lost is queued again, and
 * only such a need.
 */
describe('the unscored sweep', () => {
  const database = `t_${Date.now().toString(36)}_unscored`;
  const mongoUrl = process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27018/?retryWrites=false';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6380';
  const prefix = `bull:${database}`;
  let store: Connection;
  let needs: Model<NeedSnapshot>;
  let queue: Queue<ScoringJob>;
  let sweep: UnscoredSweep;
  const now = new Date();
  const longAgo = new Date(now.getTime() - UNSCORED_AFTER_MS - 60_000);
  const justNow = new Date(now.getTime() - 5_000);

  beforeAll(async () => {
    store = await mongoose.createConnection(mongoUrl, { dbName: database }).asPromise();
    needs = store.model<NeedSnapshot>(NEED_SNAPSHOT_MODEL, NeedSnapshotSchema.clone());
    queue = new Queue<ScoringJob>(SCORING_QUEUE, { connection: redisConnection(redisUrl), prefix });
    sweep = new UnscoredSweep(new NeedSnapshotsRepository(needs), queue);
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await store?.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  const snapshot = (id: string, extra: Partial<NeedSnapshot>) => ({
    _id: id,
    parkId: 'park-a',
    brokerId: 'broker-1',
    enterpriseId: 'e-1',
    enterpriseName: '某芯片公司',
    regionCode: '320506',
    title: '芯片设计',
    description: '年产三百万颗芯片的设计需求',
    technicalField: '电子信息',
    keywords: [],
    revision: 0,
    ...extra,
  });

  /** Queues the need's job and has a worker fail it for good, as BullMQ does with a job past its stalled limit. */
  async function failForGood(needId: string): Promise<void> {
    const job = scoreNeedJob(needId, 0);
    await queue.add(job.name, job.data, { ...job.opts, attempts: 1 });
    const worker = new Worker<ScoringJob>(
      SCORING_QUEUE,
      async () => {
        throw new Error('job stalled more than allowable limit');
      },
      { connection: redisConnection(redisUrl), prefix, autorun: false },
    );
    try {
      const failed = new Promise<void>((resolve) => worker.on('failed', (j) => j?.id === job.opts.jobId && resolve()));
      void worker.run();
      await failed;
    } finally {
      await worker.close();
    }
  }

  it('queues again the needs whose job failed for good or vanished, and leaves every other need alone', async () => {
    await needs.insertMany([
      snapshot('failed-job', { awaitingScore: { revision: 0, since: longAgo } }),
      snapshot('no-job', { awaitingScore: { revision: 0, since: longAgo } }),
      snapshot('job-waiting', { awaitingScore: { revision: 0, since: longAgo } }),
      snapshot('recent', { awaitingScore: { revision: 0, since: justNow } }),
      snapshot('ended', { awaitingScore: { revision: 0, since: longAgo }, ended: { reason: 'withdrawn', at: now } }),
      snapshot('newer-revision-coming', { revision: 2, awaitingScore: { revision: 1, since: longAgo } }),
      snapshot('scored', {}),
    ]);
    await failForGood('failed-job');
    expect(await (await queue.getJob('failed-job'))!.getState()).toBe('failed');
    const waiting = scoreNeedJob('job-waiting', 0);
    await queue.add(waiting.name, waiting.data, waiting.opts);

    const requeued = await sweep.requeueUnscored(now);

    expect(requeued.sort()).toEqual(['failed-job', 'no-job']);
    const states = async (ids: string[]) => Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await (await queue.getJob(id))?.getState()])));
    expect(await states(['failed-job', 'no-job', 'job-waiting', 'recent', 'ended', 'scored'])).toEqual({
      'failed-job': 'waiting',
      'no-job': 'waiting',
      'job-waiting': 'waiting',
      recent: undefined,
      ended: undefined,
      scored: undefined,
    });
    const requeuedJob: Job<ScoringJob> | undefined = await queue.getJob('no-job');
    expect(requeuedJob?.data).toEqual({ needId: 'no-job', revision: 0 });

    // A second tick finds the requeued jobs waiting: nothing is queued twice.
    expect(await sweep.requeueUnscored(now)).toEqual([]);
  });
});
