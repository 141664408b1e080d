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
 * and the new coexist); its old generation is capped (`heapLimitMb`), so a runaway catalogue ends the
 * worker, not the service. A worker that dies fails the requests in flight (their jobs are retried)
 * and the next request starts a new one.
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

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private request<T>(body: Unnumbered<RankingRequest>): Promise<T> {
    const id = ++this.nextId;
    const worker = this.running();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage({ id, ...body });
    });
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
      if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
      else waiting?.resolve(reply.result as never);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const failed = [...this.pending.values()];
      this.pending.clear();
      if (failed.length) this.logger.error({ requests: failed.length }, `the ranking worker ${why}; its requests failed (their jobs are retried)`);
      for (const p of failed) p.reject(new Error(`the ranking worker ${why}`));
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    worker.unref(); // an idle worker never keeps the process alive
    this.worker = worker;
    return worker;
  }
}
