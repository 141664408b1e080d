import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CatalogueRanker } from './catalogue-ranker';
import type { NeedForMatching, RankedCandidate, RankOptions } from './scoring.types';

/** Where the worker reads the catalogue: matching's own database and its items collection. */
export interface RankingWorkerData {
  mongoUrl: string;
  mongoDb: string;
  collection: string;
}

export type RankingRequest =
  | { id: number; op: 'rank'; minChanges: number; need: NeedForMatching; options: RankOptions }
  | { id: number; op: 'size'; minChanges: number };
export type RankingReply = { id: number; result: RankedCandidate[] | number; error?: undefined } | { id: number; error: string };

/** A request as the caller gives it: the id is the ranker's. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;
type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

/**
 * The relevance model in a worker thread (ranking.worker.ts): a rebuild of a large catalogue (7–8 s
 * for 100,000 items) and every ranking run there, off the service's event loop. One worker per
 * instance holds one model (the memory the ranking bench reports, twice during a rebuild, when the old
 * and the new coexist); its JS heap is capped (`heapLimitMb`; the model's typed arrays and the read's
 * buffers are outside that cap). A worker that dies fails the requests in flight (their jobs are
 * retried, with BullMQ's backoff) and the next request starts a new one. No timeout of its own: a
 * ranking is bounded CPU work, and a store read is bounded by the driver's own timeouts.
 */
export class WorkerRanker implements CatalogueRanker {
  private readonly logger = new Logger(WorkerRanker.name);
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly data: RankingWorkerData,
    private readonly heapLimitMb: number,
  ) {}

  rank(minChanges: number, need: NeedForMatching, options: RankOptions): Promise<RankedCandidate[]> {
    return this.request({ op: 'rank', minChanges, need, options });
  }

  size(minChanges: number): Promise<number> {
    return this.request({ op: 'size', minChanges });
  }

  /**
   * Ends the worker. Requests in flight fail at once (their jobs are retried by another instance or
   * after a restart), so BullMQ's close, which waits for active jobs, is not held up; later requests fail.
   */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending('was closed (the service is stopping)');
    await worker?.terminate();
  }

  private closed = false;

  private request<T>(body: Unnumbered<RankingRequest>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the ranking worker was closed (the service is stopping)'));
    const id = ++this.nextId;
    const worker = this.running();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.ref(); // a request in flight keeps the process alive; an idle worker does not
      worker.postMessage({ id, ...body });
    });
  }

  private failPending(why: string): void {
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) p.reject(new Error(`the ranking worker ${why}`));
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    // Built, the service runs compiled JavaScript; in tests it runs from TypeScript, which the worker registers too.
    const compiled = __filename.endsWith('.js');
    const worker = new Worker(join(__dirname, `ranking.worker.${compiled ? 'js' : 'ts'}`), {
      workerData: this.data,
      execArgv: compiled ? undefined : ['-r', '@swc-node/register'], // compiled: the service's own flags (e.g. --prof)
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb },
    });
    worker.on('message', (reply: RankingReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.result as never);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return; // closed, or already replaced
      this.worker = undefined;
      this.logger.error({ requests: this.pending.size }, `the ranking worker ${why}; its requests failed (their jobs are retried), the next one starts a new worker`);
      this.failPending(why);
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
