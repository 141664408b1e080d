import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { EVENT_CATALOG, TOPIC_OWNERS, deadLetterTopicOf, isEventType, type EventType, type Subscription } from '@tt/contracts';
import { decodeCloudEvent, InvalidEventError } from '../cloud-event.codec';
import { isTransientError } from '@tt/store';
import { EventRejectedError } from '../errors';
import { inSpan, SpanKind } from '@tt/observability';
import { wireTopic } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/ensure-topics';
import { EventContext } from './event-context';
import { BatchScope } from './batch-scope';
import { eventsConsumed } from '../metrics';
import { isDedupedByEffect, type ProcessedEventStore } from './processed-event.store';
import type { DeadLetterReason } from '../dead-letters/dead-letter-reasons';

export interface KafkaEventTransportOptions {
  kafka: Kafka;
  groupId: string;
  processedEvents: ProcessedEventStore;
  /** What the service consumes (`SUBSCRIPTIONS` in the contracts): its handlers must be exactly `handles`. */
  subscription: Subscription;
  /**
   * Attempts before an event whose handler keeps failing with an unexpected error (a bug) goes to
   * the dead-letter topic. Failures of an unreachable store, Redis or Kafka are retried without
   * limit; an EventRejectedError or an invalid event is dead-lettered at once.
   */
  maxAttempts?: number;
  retryBackoffMs?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Per partition, how many records of different keys are handled at once (records of one key always
   * one after another, in offset order). 1 handles a partition strictly in offset order.
   */
  keysConcurrently?: number;
}

/** Within a batch, records and the offset are stored at least this often (dispatched records, or time). */
const FLUSH_EVERY_EVENTS = 200;
/**
 * Records of different keys handled at once per partition, unless the options say otherwise. 8: under
 * load each store round trip waits tens of milliseconds, and one record at a time per partition left
 * matching 1,143 records behind at the end of 60 s at 50 needs/s on the 2-core benchmark machine,
 * and 8 left 51 (root README, Performance).
 */
export const DEFAULT_KEYS_CONCURRENTLY = 8;
const FLUSH_EVERY_MS = 1_000;

type Outcome = 'handled' | 'duplicate' | 'ignored' | 'dead_lettered';

/**
 * A Nest microservice transport on kafkajs that keeps `@EventPattern(eventType)` handlers but gives
 * the delivery guarantees the stock Kafka transport lacks:
 * - the offset is committed only after the handler's effect is stored (at least once);
 * - a redelivered event id is acknowledged without running the handler again (unless its handler is
 *   `DEDUPED_BY_EFFECT`: then its own write makes the redelivery change nothing, and the store is skipped);
 * - records come in batches (kafkajs `eachBatch`): the processed ids are looked up once per batch, and
 *   the handled ones recorded and the offset committed once per batch (or every 200 records or 1 s of
 *   a long one); handlers are idempotent on natural keys, so a crash between a handler's effect and
 *   its batch's record only means that handler runs again;
 * - within a partition, the records of one key (aggregate) are handled in offset order, and those of
 *   different keys may run concurrently (`keysConcurrently`, default 1), since nothing orders them
 *   across keys anyway: a consumer's round trips to its store then overlap instead of queueing;
 * - work a handler leaves to the batch's end (`EventContext.atBatchEnd`) is settled before that
 *   record and commit, once for all the batch's events;
 * - a payload is validated against its contract, and its `ce_source` against its topic's owner,
 *   before any handler sees it;
 * - while the store, Redis or Kafka is away the handler is retried until it is back (the partition
 *   waits, nothing is dead-lettered);
 * - an event that is malformed, of an unknown type, from the wrong source, rejected by its handler
 *   (EventRejectedError) or whose handler keeps failing with a bug after bounded retries goes to
 *   `<topic>.dlq` with the reason, and the partition moves on;
 * - at start, the handlers must be exactly the subscription's `handles`, and every other event type on
 *   its topics must be in its `ignores`;
 * - close() waits for in-flight handlers, so the database is not closed under them.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(KafkaEventTransport.name);
  private consumer?: Consumer;
  private admin?: Admin;
  private producer?: Producer;
  private joined = false;
  private closing = false;

  constructor(private readonly options: KafkaEventTransportOptions) {
    super();
  }

  /** True once the consumer has joined its group (used by readiness checks). */
  get isReady(): boolean {
    return this.joined;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const topics = this.subscribedTopics();
      await ensureTopics(this.options.kafka);
      this.producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
      this.consumer = this.options.kafka.consumer({
        groupId: this.options.groupId,
        // Short enough that a crashed instance's partitions move on within seconds, long enough for GC pauses.
        sessionTimeout: 10_000,
        heartbeatInterval: 3_000,
        allowAutoTopicCreation: false,
      });
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.joined = true));
      this.consumer.on(this.consumer.events.CRASH, (e) => {
        this.joined = false;
        this.logger.error(`consumer crashed: ${e.payload.error.message}`);
      });
      await this.consumer.connect();
      await this.consumer.subscribe({ topics, fromBeginning: true });
      await this.options.processedEvents.prepare();
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      this.logger.log(`consuming ${topics.join(', ')} as group ${this.options.groupId}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /**
   * The group's lag: records on its topics not yet committed, per topic (read from the brokers, for
   * /metrics and readiness). A partition the group never committed counts from its low watermark.
   */
  async lag(): Promise<Record<string, number>> {
    if (!this.admin) {
      this.admin = this.options.kafka.admin();
      await this.admin.connect();
    }
    const topics = this.subscribedTopics();
    const committed = await this.admin.fetchOffsets({ groupId: this.options.groupId, topics });
    const lag: Record<string, number> = {};
    for (const { topic, partitions } of committed) {
      const ends = await this.admin.fetchTopicOffsets(topic);
      lag[topic] = ends.reduce((sum, { partition, high, low }) => {
        const offset = Number(partitions.find((p) => p.partition === partition)?.offset ?? -1);
        return sum + Math.max(0, Number(high) - (offset >= 0 ? offset : Number(low)));
      }, 0);
    }
    return lag;
  }

  async close(): Promise<void> {
    this.joined = false;
    await this.admin?.disconnect().catch(() => undefined);
    this.closing = true; // handlers waiting on a dependency give up; their records stay uncommitted
    // disconnect() stops fetching and waits for the eachMessage calls under way to finish.
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }

  on(): never {
    throw new Error('KafkaEventTransport does not expose client events');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /** Topics follow from the subscription; fails fast when the handlers are not exactly the types it handles. */
  private subscribedTopics(): string[] {
    checkSubscription([...this.getHandlers().keys()], this.options.subscription);
    const { handles, ignores } = this.options.subscription;
    const topics = [...new Set([...handles, ...ignores].map((t) => EVENT_CATALOG[t].topic))];
    return topics.map(wireTopic);
  }

  /**
   * One batch of one partition. Records of one key (one aggregate: the contracts key every event by
   * its aggregate id) are handled one after another in offset order; records of different keys run
   * concurrently, at most `keysConcurrently` at a time, since Kafka orders nothing across keys anyway
   * (two instances already handle different keys at once). At least every 200 records or 1 s, the
   * records dispatched are awaited, the batch work settled, the handled ones recorded and the offset
   * past them committed. A batch cut short by a rebalance or a shutdown commits what it finished, and
   * the rest is redelivered to the next owner; a failure (only while closing) commits nothing more.
   */
  private async handleBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const where = `${topic}[${partition}]`;
    const { groupId, processedEvents } = this.options;
    const keysConcurrently = this.options.keysConcurrently ?? DEFAULT_KEYS_CONCURRENTLY;
    // Heartbeats go on while a handler waits (on a store or Redis that is away), so the group does
    // not take the partition away from an instance that is only waiting.
    const beating = setInterval(() => void heartbeat().catch(() => undefined), 3_000);
    const handled: Array<{ id: string; type: string }> = [];
    const scope = new BatchScope();
    const inFlight = new Set<Promise<void>>();
    /** The last delivery dispatched per key since the last flush: the next record of that key waits for it. */
    const lastOfKey = new Map<string, Promise<void>>();
    let failure: { error: unknown } | undefined;
    let dispatched: string | undefined;
    let dispatchedSinceFlush = 0;
    let flushedAt = Date.now();
    const flush = async () => {
      await Promise.all(inFlight); // deliveries never reject: a failure is kept in `failure`
      if (failure) throw failure.error; // not recorded, not committed: redelivered to the next owner
      if (scope.size > 0) await this.untilStored(where, heartbeat, () => scope.settle());
      if (handled.length > 0) await this.untilStored(where, heartbeat, () => processedEvents.record(groupId, handled));
      handled.length = 0;
      if (dispatched !== undefined) {
        resolveOffset(dispatched);
        await this.consumer!.commitOffsets([{ topic, partition, offset: (BigInt(dispatched) + 1n).toString() }]);
      }
      dispatched = undefined;
      dispatchedSinceFlush = 0;
      lastOfKey.clear();
      flushedAt = Date.now();
    };
    try {
      // Only events whose handler relies on the store are looked up: not the types this consumer
      // ignores, nor those deduped by their own write (a batch of none costs no round trip).
      const ids = batch.messages
        .filter((m) => this.looksUpProcessed(m.headers?.ce_type?.toString()))
        .map((m) => m.headers?.ce_id?.toString())
        .filter((id): id is string => !!id);
      const seen = ids.length > 0 ? await this.untilStored(where, heartbeat, () => processedEvents.seen(groupId, ids)) : new Set<string>();
      for (const message of batch.messages) {
        while (inFlight.size >= keysConcurrently && !failure) await Promise.race(inFlight);
        if (failure || !isRunning() || isStale()) break;
        const key = message.key?.toString() ?? '';
        const delivery: Promise<void> = (lastOfKey.get(key) ?? Promise.resolve())
          .then(async () => {
            if (failure) return; // an earlier record failed: this one stays uncommitted too
            const { outcome, event } = await this.deliver(topic, partition, message, heartbeat, seen, scope);
            eventsConsumed.inc({ type: typeLabel(message), outcome });
            if (event) {
              if (!this.dedupedByEffect(event.type)) handled.push(event);
              seen.add(event.id); // the same id twice in one batch (always the same key) runs once
            }
          })
          .catch((error: unknown) => void (failure ??= { error }))
          .finally(() => inFlight.delete(delivery));
        inFlight.add(delivery);
        lastOfKey.set(key, delivery);
        dispatched = message.offset;
        if (++dispatchedSinceFlush >= FLUSH_EVERY_EVENTS || Date.now() - flushedAt >= FLUSH_EVERY_MS) await flush();
      }
      await flush();
    } finally {
      clearInterval(beating);
    }
  }

  /** One record, retried as its failure says: done, dead-lettered, or thrown while closing (not committed). */
  private async deliver(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    seen: Set<string>,
    scope: BatchScope,
  ): Promise<{ outcome: Outcome; event?: { id: string; type: string } }> {
    const where = `${topic}[${partition}]@${message.offset}`;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.process(topic, partition, message, attempt, seen, scope);
      } catch (error) {
        if (this.closing) throw error; // not committed: the next owner of the partition redelivers it
        if (error instanceof InvalidEventError || error instanceof EventRejectedError) {
          await this.untilDelivered(where, heartbeat, () => this.deadLetter(topic, partition, message, reasonOf(error), error));
          return { outcome: 'dead_lettered' };
        }
        if (isTransientError(error)) {
          // A dependency is away: wait for it as long as it takes; this event is fine.
          this.logger.warn(`${where}: dependency unavailable, retrying (attempt ${attempt}): ${asError(error).message}`);
          await this.backoff(attempt, heartbeat);
          continue;
        }
        failures++;
        const maxAttempts = this.options.maxAttempts ?? 5;
        this.logger.warn(`${where} failed (attempt ${failures}/${maxAttempts}): ${asError(error).message}`);
        if (failures >= maxAttempts) {
          await this.untilDelivered(where, heartbeat, () => this.deadLetter(topic, partition, message, 'handler-failed', asError(error)));
          return { outcome: 'dead_lettered' };
        }
        await this.backoff(failures, heartbeat);
      }
    }
  }

  /** One delivery of one record: validate, trust, dedupe, handle, remember. Throws what went wrong. */
  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempt: number,
    seen: Set<string>,
    scope: BatchScope,
  ): Promise<{ outcome: Outcome; event?: { id: string; type: string } }> {
    const { event, definition } = decodeCloudEvent(message);
    const owner = TOPIC_OWNERS[definition.topic];
    if (event.source !== owner) {
      throw new InvalidEventError(`${event.type} must come from ${owner}, not ${event.source}`, 'untrusted-source');
    }
    // Every type has one topic: one read elsewhere was written where its owner never writes it.
    if (topic !== wireTopic(definition.topic)) {
      throw new InvalidEventError(`${event.type} belongs on ${wireTopic(definition.topic)}, not ${topic}`, 'wrong-topic');
    }
    if (this.isIgnored(event.type)) return { outcome: 'ignored' }; // declared in `ignores`: no database round trip
    if (seen.has(event.id)) {
      this.logger.debug(`duplicate ${event.type} ${event.id} at ${topic}[${partition}]@${message.offset}: acknowledged`);
      return { outcome: 'duplicate' };
    }
    const handler = this.handlerFor(event.type);
    if (!handler) throw new InvalidEventError(`no handler for ${event.type}`, 'unknown-type');
    const context = new EventContext([event, { topic, partition, offset: message.offset, attempt }, scope]);
    const attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.consumer.group.name': this.options.groupId, 'messaging.message.id': event.id, 'messaging.kafka.offset': Number(message.offset), 'cloudevents.event_type': event.type, 'delivery.attempt': attempt };
    await inSpan(`${event.type} process`, SpanKind.CONSUMER, event.traceparent, attributes, async () => {
      const result = await handler(event.data, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    });
    return { outcome: 'handled', event: { id: event.id, type: event.type } };
  }

  /** Nest normalises the pattern on every lookup; the handlers are fixed once listening, so look each type up once. */
  private readonly handlers = new Map<string, ReturnType<Server['getHandlerByPattern']>>();
  private handlerFor(type: string) {
    if (!this.handlers.has(type)) this.handlers.set(type, this.getHandlerByPattern(type));
    return this.handlers.get(type);
  }

  /** Whether a record of this type needs the processed-events lookup before its handler runs. */
  private looksUpProcessed(type: string | undefined): boolean {
    return type === undefined || (!this.isIgnored(type) && !this.dedupedByEffect(type));
  }

  /** Whether the subscription declares the type ignored: acknowledged without a handler. */
  private isIgnored(type: string): boolean {
    return (this.options.subscription.ignores as readonly string[]).includes(type);
  }

  /** Whether the type's handler says its own write dedupes it (`DEDUPED_BY_EFFECT`): then the store is skipped. */
  private dedupedByEffect(type: string | undefined): boolean {
    return type !== undefined && isDedupedByEffect(this.handlerFor(type)?.extras);
  }

  /** The processed-events store is the service's database: while it is away, wait (nothing is committed meanwhile). */
  private async untilStored<T>(where: string, heartbeat: () => Promise<void>, store: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await store();
      } catch (error) {
        if (this.closing || !isTransientError(error)) throw error;
        this.logger.warn(`${where}: cannot reach the store yet (attempt ${attempt}): ${asError(error).message}`);
        await this.backoff(attempt, heartbeat);
      }
    }
  }

  /** Dead-lettering needs Kafka: while it is away, keep trying (the record is not committed meanwhile). */
  private async untilDelivered(where: string, heartbeat: () => Promise<void>, send: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (this.closing || !isTransientError(error)) throw error;
        this.logger.warn(`${where}: cannot reach the dead-letter topic yet (attempt ${attempt}): ${asError(error).message}`);
        await this.backoff(attempt, heartbeat);
      }
    }
  }

  /** Exponential backoff from retryBackoffMs, at most 5 s, heartbeating so the partition stays ours. */
  private async backoff(attempt: number, heartbeat: () => Promise<void>): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.min(5_000, (this.options.retryBackoffMs ?? 200) * 2 ** (attempt - 1))));
    await heartbeat();
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: DeadLetterReason,
    error: Error,
  ): Promise<void> {
    this.logger.error(`dead-lettering ${topic}[${partition}]@${message.offset} (${reason}): ${error.message}`);
    await this.producer!.send({
      topic: deadLetterTopicOf(topic),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            dlq_reason: reason,
            dlq_error: error.message.slice(0, 1000),
            dlq_source_topic: topic,
            dlq_source_partition: String(partition),
            dlq_source_offset: message.offset,
            dlq_consumer_group: this.options.groupId,
            dlq_failed_at: new Date().toISOString(),
          },
        },
      ],
    });
  }
}

function reasonOf(error: InvalidEventError | EventRejectedError): DeadLetterReason {
  return error instanceof InvalidEventError ? error.reason : 'rejected';
}

/** Errors can reach here as plain objects (an RPC filter's `{status, message}`); keep their message. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const message = (error as { message?: unknown } | null)?.message;
  return new Error(typeof message === 'string' ? message : JSON.stringify(error));
}

/** The record's event type for metrics: a catalogue type, or `unknown` (bounded label values). */
function typeLabel(message: KafkaMessage): string {
  const type = message.headers?.ce_type?.toString();
  return type && isEventType(type) ? type : 'unknown';
}

/**
 * The service's `@EventPattern` handlers against its subscription: each handled type has a handler, no
 * handler is outside it, and every type on its topics is handled or deliberately ignored.
 */
export function checkSubscription(handlers: string[], { handles, ignores }: Subscription): void {
  const unknown = handlers.filter((type) => !isEventType(type));
  if (unknown.length > 0) throw new Error(`@EventPattern(${unknown.join(', ')}) names no event in the contracts`);
  const unlisted = handlers.filter((type) => !handles.includes(type as EventType));
  if (unlisted.length > 0) throw new Error(`handlers for ${unlisted.join(', ')} are not in the service's SUBSCRIPTIONS handles`);
  const missing = handles.filter((type) => !handlers.includes(type));
  if (missing.length > 0) throw new Error(`no handler for ${missing.join(', ')}, which the service's SUBSCRIPTIONS say it handles`);
  const both = handles.filter((type) => ignores.includes(type));
  if (both.length > 0) throw new Error(`${both.join(', ')} both handled and ignored`);
  const topics = new Set([...handles, ...ignores].map((t) => EVENT_CATALOG[t].topic));
  const neither = Object.values(EVENT_CATALOG)
    .filter((d) => topics.has(d.topic) && !handles.includes(d.type) && !ignores.includes(d.type))
    .map((d) => d.type);
  if (neither.length > 0) throw new Error(`no handler for ${neither.join(', ')}: handle them or list them in the service's SUBSCRIPTIONS ignores`);
}
