import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import type { Producer } from 'kafkajs';
import { inSpan, SpanKind } from '@tt/observability';
import { encodeCloudEvent } from '../cloud-event.codec';
import { eventsPublished } from '../metrics';
import { wireTopic } from '../kafka/kafka-client';
import { OUTBOX_FIELD, toCloudEvent, type OutboxEntry } from './outbox-entry';

/**
 * Scans (for what no write's own pass published) at most this often unless told otherwise. 15 s, not
 * 2 s: a failed pass is retried on its own (scheduleRetry), so only a crashed writer's events and those
 * of a write whose answer was lost wait for a scan; and on a store that reads whole collections to
 * answer it, scanning every 2 s from every instance took a third off the pipeline's speed (at 50
 * needs/s, captured -> proposed p50 32.5 s with 2-s scans, 21.2 s with 15-s ones; root README).
 */
export const DEFAULT_SCAN_INTERVAL_MS = 15_000;

export interface OutboxRelayOptions {
  /** How often to scan for events left behind (a crashed writer's, a write whose answer was lost), at most. */
  pollIntervalMs?: number;
  /**
   * The scan reads every aggregate with a pending entry, which a store without a usable index does by
   * reading the whole collection. So the next scan waits at least this many times as long as the last
   * one took: with 20 (the default), one relay's scans never take more than a twentieth of the store's
   * time however large the collections grow (each instance of each service runs a relay), and on a
   * small or indexed store the interval stays pollIntervalMs.
   */
  scanCostFactor?: number;
  /**
   * However long the last scan took, the next one starts within this many ms (default 30 s), or
   * pollIntervalMs if that is longer. A scan's time includes any wait for a store that was away, which
   * says nothing of its cost; and what only a scan finds (a write whose answer was lost, so nothing
   * kicked the relay) must not wait for minutes.
   */
  maxScanIntervalMs?: number;
  /** Aggregates handled per pass and model. */
  batchSize?: number;
  /**
   * The periodic scan publishes only entries staged at least this long ago: a fresh entry belongs to
   * a write whose own instance is publishing it right now (its kick), so other instances leave it
   * alone instead of publishing it a second time. Entries of a crashed writer are this old soon.
   */
  scanGraceMs?: number;
}

type OutboxDocument = { _id: unknown; outbox: OutboxEntry[] };
/** An aggregate a pass publishes: read back by `_id`, or, just created, its entries as written. */
type Target = { model: Model<any>; id: unknown; created?: OutboxEntry[] };

/**
 * Publishes the events staged in aggregates' outboxes, then removes them. At least once: a crash
 * after the publish and before the removal publishes again, with the same event id, and consumers
 * drop the duplicate. Events of one aggregate leave in the order they were staged.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private scanAll = false;
  private lastScanMs = 0;
  private readonly targets = new Map<string, Target>();
  /**
   * Aggregates whose kicked pass failed (the store or Kafka away, a record Kafka refuses), read back by
   * a retry pass after a backoff that doubles with each retry that still fails, whatever else passes.
   */
  private readonly failed = new Map<string, Target>();
  private retryTimer?: NodeJS.Timeout;
  private retryDue = false;
  private failedRetries = 0;

  constructor(
    private readonly producer: Producer,
    private readonly models: Model<any>[],
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.kick(); // the first pass scans: what an earlier run of this service left behind
  }

  /**
   * The periodic full scan finds what no kick named: events left by a crash, or a failed publish. It is
   * scheduled after each pass that scanned, not on a fixed interval, so a slow scan is never followed
   * at once by another (see scanCostFactor).
   */
  private scheduleScan(): void {
    if (this.stopped || this.timer || this.scanAll) return; // a scan still to run schedules the next when it is done
    const delay = Math.max(this.options.pollIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS, Math.min(this.maxScanIntervalMs, this.lastScanMs * (this.options.scanCostFactor ?? 20)));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
    this.timer.unref?.();
  }

  /**
   * Ask for a pass now. With a model and an id (called after each write that staged events) the pass
   * reads just that document by _id, which stays cheap however large the collections grow; without,
   * it scans every model. `created`: the entries of a document this write created, which need no read.
   */
  kick(model?: Model<any>, id?: unknown, created?: OutboxEntry[]): void {
    if (this.stopped) return;
    if (model && id !== undefined) {
      const key = targetKey(model, id);
      // Kicked again before its pass (a later change), the aggregate is read back, entries in order.
      this.targets.set(key, this.targets.has(key) ? { model, id } : { model, id, created });
    }
    else this.scanAll = true;
    this.run();
  }

  private get maxScanIntervalMs(): number {
    return this.options.maxScanIntervalMs ?? 30_000;
  }

  private run(): void {
    if (this.running) {
      this.again = true; // one more pass when this one ends, for what it did not take (not a scan)
      return;
    }
    this.running = this.pass()
      .catch((error) => {
        this.logger.warn(`outbox pass failed, will retry: ${(error as Error).message}`);
      })
      .finally(() => {
        this.running = undefined;
        this.scheduleScan();
        // Also after stop(): the writes already kicked are published before shutdown ends.
        if (this.again) {
          this.again = false;
          this.run();
        } else if (this.failed.size > 0) this.scheduleRetry();
      });
  }

  /**
   * Aggregates whose pass failed are tried again after a backoff (0.5 s, doubling while retries fail, at
   * most maxScanIntervalMs), so their events leave soon after the store or Kafka is back, not at the next scan.
   */
  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(this.maxScanIntervalMs, 500 * 2 ** this.failedRetries);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryDue = true;
      this.run();
    }, delay);
    this.retryTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.timer, this.retryTimer]) if (timer) clearTimeout(timer);
    this.timer = this.retryTimer = undefined;
    while (this.running) await this.running;
  }

  private async pass(): Promise<void> {
    const retry = this.retryDue;
    this.retryDue = false;
    // A kicked target supersedes a failed one of the same aggregate (both read it back, or it was just created).
    const targets = [...new Map([...(retry ? this.failed : []), ...this.targets]).values()];
    this.targets.clear();
    if (retry) this.failed.clear();
    const scan = this.scanAll;
    this.scanAll = false;
    let failure: unknown;
    // The aggregates just written, read per model in one query and published in one request. What
    // fails here is left in its outbox and retried (scheduleRetry), and the scan still runs if one is due.
    for (const model of new Set(targets.map((t) => t.model))) {
      const mine = targets.filter((t) => t.model === model);
      const created = mine.filter((t) => t.created).map((t) => ({ _id: t.id, outbox: t.created! }));
      const ids = mine.filter((t) => !t.created).map((t) => t.id);
      try {
        const read = ids.length === 0 ? [] : ((await model.find({ _id: { $in: ids } }, { [OUTBOX_FIELD]: 1 }).lean().exec()) as unknown as OutboxDocument[]);
        await this.publishMany(model, [...created, ...read].filter((doc) => doc.outbox?.length));
      } catch (error) {
        failure = error;
        // Read back at the retry (what is published by then is no longer in the outbox).
        for (const { model, id } of mine) this.failed.set(targetKey(model, id), { model, id });
      }
    }
    if (retry) this.failedRetries = this.failed.size > 0 ? this.failedRetries + 1 : 0;
    if (scan) {
      const started = Date.now();
      await this.drain(this.options.scanGraceMs ?? 5_000);
      this.lastScanMs = Date.now() - started; // a failed scan measured nothing of what a scan costs
    }
    if (failure) throw failure;
  }

  /**
   * One pass over every model; resolves when nothing was left to publish at the time of reading.
   * `graceMs` skips aggregates whose oldest entry is younger than that (see scanGraceMs).
   */
  async drain(graceMs = 0): Promise<number> {
    let published = 0;
    const batchSize = this.options.batchSize ?? 100;
    const stagedBefore = new Date(Date.now() - graceMs).toISOString();
    for (const model of this.models) {
      // Paged by _id so one pass ends even if an entry could not be removed (it is retried next pass).
      let after: unknown;
      for (;;) {
        const pending = graceMs > 0 ? { [`${OUTBOX_FIELD}.0.time`]: { $lt: stagedBefore } } : { [`${OUTBOX_FIELD}.0`]: { $exists: true } };
        const docs = (await model
          .find({ ...pending, ...(after !== undefined ? { _id: { $gt: after } } : {}) }, { [OUTBOX_FIELD]: 1 })
          .sort({ _id: 1 })
          .limit(batchSize)
          .lean()
          .exec()) as unknown as OutboxDocument[];
        if (docs.length === 0) break;
        published += await this.publishMany(model, docs);
        after = docs[docs.length - 1]._id;
        if (docs.length < batchSize) break;
      }
    }
    return published;
  }

  /** How long the oldest event not yet published has waited, in seconds (0 when none waits). */
  async oldestPendingAgeSeconds(): Promise<number> {
    let oldest = Infinity;
    for (const model of this.models) {
      // Pending aggregates are few (the relay publishes within milliseconds); read their entries' times.
      const docs = (await model.find({ [`${OUTBOX_FIELD}.0`]: { $exists: true } }, { [`${OUTBOX_FIELD}.time`]: 1 }).limit(1_000).lean().exec()) as unknown as OutboxDocument[];
      for (const doc of docs) for (const entry of doc.outbox) oldest = Math.min(oldest, Date.parse(entry.time));
    }
    return oldest === Infinity ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  }

  /**
   * Publishes the entries of several aggregates in one request (grouped per topic, each aggregate's
   * in staging order), then removes exactly those entries from each, in one round trip. If the
   * request fails, each aggregate is tried alone, so one that cannot be published (a record Kafka
   * refuses) never holds back the others; what still fails is retried by the next scan.
   */
  private async publishMany(model: Model<any>, docs: OutboxDocument[]): Promise<number> {
    if (docs.length === 0) return 0;
    if (docs.length > 1) {
      try {
        await this.send(docs.flatMap((doc) => doc.outbox));
        await this.remove(model, docs);
        return docs.reduce((n, doc) => n + doc.outbox.length, 0);
      } catch (error) {
        this.logger.warn(`outbox batch of ${docs.length} aggregates failed, publishing them one by one: ${(error as Error).message}`);
      }
    }
    let published = 0;
    let failure: unknown;
    for (const doc of docs) {
      try {
        await this.send(doc.outbox);
        await this.remove(model, [doc]);
        published += doc.outbox.length;
      } catch (error) {
        failure = error;
        this.logger.warn(`outbox of ${model.collection.name}/${String(doc._id)} not published, will retry: ${(error as Error).message}`);
      }
    }
    if (failure) throw failure; // the pass fails, so the next scan looks again
    return published;
  }

  private async send(entries: OutboxEntry[]): Promise<void> {
    const byTopic = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const staged = byTopic.get(entry.topic);
      if (staged) staged.push(entry);
      else byTopic.set(entry.topic, [entry]);
    }
    // A PRODUCER span in the trace of the work that staged the first event (when tracing is on): the wait in the outbox shows.
    const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.batch.message_count': entries.length };
    await inSpan('outbox publish', SpanKind.PRODUCER, entries[0]?.traceparent, attributes, () =>
      this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, staged]) => ({ topic: wireTopic(topic), messages: staged.map((entry) => encodeCloudEvent(toCloudEvent(entry))) })),
      }),
    );
    for (const entry of entries) eventsPublished.inc({ type: entry.type });
  }

  /**
   * Removes exactly the entries published, by id, in one atomic update per aggregate: a change written
   * meanwhile (another transition, more staged events) is untouched, and another instance's relay
   * having removed them first makes this a no-op.
   */
  private async remove(model: Model<any>, docs: OutboxDocument[]): Promise<void> {
    await model.collection.bulkWrite(
      docs.map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $pull: { [OUTBOX_FIELD]: { id: { $in: doc.outbox.map((e) => e.id) } } } } } })) as never,
      { ordered: false },
    );
  }
}

/** One aggregate's place in the relay's targets. */
function targetKey(model: Model<any>, id: unknown): string {
  return `${model.collection.name}/${String(id)}`;
}
