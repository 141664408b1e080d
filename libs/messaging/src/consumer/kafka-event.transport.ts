import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { Partitioners, type Consumer, type EachMessagePayload, type Kafka, type Producer } from 'kafkajs';
import { EVENT_CATALOG, deadLetterTopicOf, isEventType, type EventType } from '@tt/contracts';
import { decodeCloudEvent, InvalidEventError } from '../cloud-event.codec';
import { childTraceparent, runWithTraceparent } from '../trace-context';
import { wireTopic } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/ensure-topics';
import { EventContext } from './event-context';
import type { ProcessedEventStore } from './processed-event.store';

export interface KafkaEventTransportOptions {
  kafka: Kafka;
  groupId: string;
  processedEvents: ProcessedEventStore;
  /** Event types on the subscribed topics this service deliberately does not handle. */
  ignore?: EventType[];
  /** Handler attempts before the event goes to the dead-letter topic. */
  maxAttempts?: number;
  retryBackoffMs?: number;
  partitionsConsumedConcurrently?: number;
}

/**
 * A Nest microservice transport on kafkajs that keeps `@EventPattern(eventType)` handlers but gives
 * the delivery guarantees the stock Kafka transport lacks:
 * - the offset is committed only after the handler's effect is stored (at least once);
 * - a redelivered event id is acknowledged without running the handler again;
 * - a payload is validated against its contract before any handler sees it;
 * - an event that is malformed, of an unknown type, or whose handler keeps failing after bounded
 *   retries goes to `<topic>.dlq` with the reason, and the partition moves on;
 * - at start, every event type on a subscribed topic must have a handler or be listed in `ignore`;
 * - close() waits for in-flight handlers, so the database is not closed under them.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(KafkaEventTransport.name);
  private consumer?: Consumer;
  private producer?: Producer;
  private joined = false;

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
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        eachMessage: (payload) => this.handleMessage(payload),
      });
      this.logger.log(`consuming ${topics.join(', ')} as group ${this.options.groupId}`);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    this.joined = false;
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

  /** Topics follow from the handlers; fails fast when a type on those topics is neither handled nor ignored. */
  private subscribedTopics(): string[] {
    const handled = [...this.getHandlers().keys()];
    for (const type of handled) {
      if (!isEventType(type)) throw new Error(`@EventPattern('${type}') names no event in the contracts`);
    }
    const ignored = new Set<string>(this.options.ignore ?? []);
    const topics: string[] = [...new Set([...handled, ...ignored].map((t) => EVENT_CATALOG[t as EventType].topic))];
    const unhandled = Object.values(EVENT_CATALOG)
      .filter((d) => topics.includes(d.topic) && !handled.includes(d.type) && !ignored.has(d.type))
      .map((d) => d.type);
    if (unhandled.length > 0) {
      throw new Error(`no handler for ${unhandled.join(', ')}: add an @EventPattern or list them in 'ignore'`);
    }
    return topics.map(wireTopic);
  }

  private async handleMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const { groupId, processedEvents } = this.options;
    const where = `${topic}[${partition}]@${message.offset}`;
    try {
      const { event } = decodeCloudEvent(message);
      if ((this.options.ignore as string[] | undefined)?.includes(event.type)) {
        // Deliberately not handled here (declared in `ignore`): no database round trip needed.
      } else if (await processedEvents.has(groupId, event.id)) {
        this.logger.debug(`duplicate ${event.type} ${event.id} at ${where}: acknowledged`);
      } else {
        const handler = this.getHandlerByPattern(event.type);
        if (!handler) throw new InvalidEventError(`no handler for ${event.type}`, 'unknown-type');
        const error = await this.runWithRetries(event.type, where, heartbeat, async (attempt) => {
          const context = new EventContext([event, { topic, partition, offset: message.offset, attempt }]);
          await runWithTraceparent(childTraceparent(event.traceparent), async () => {
            const result = await handler(event.data, context);
            if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          });
        });
        if (error) await this.deadLetter(topic, partition, message, 'handler-failed', error);
        else await processedEvents.record(groupId, event.id, event.type);
      }
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error; // infrastructure failure: kafkajs retries the message
      await this.deadLetter(topic, partition, message, error.reason, error);
    }
    await this.consumer!.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  /** Runs the handler up to maxAttempts times with exponential backoff; returns the last error, if any. */
  private async runWithRetries(
    type: string,
    where: string,
    heartbeat: () => Promise<void>,
    run: (attempt: number) => Promise<void>,
  ): Promise<Error | undefined> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await run(attempt);
        return undefined;
      } catch (error) {
        lastError = asError(error);
        this.logger.warn(`${type} at ${where} failed (attempt ${attempt}/${maxAttempts}): ${lastError.message}`);
        if (attempt < maxAttempts) {
          await new Promise((r) => setTimeout(r, Math.min(5_000, (this.options.retryBackoffMs ?? 200) * 2 ** (attempt - 1))));
          await heartbeat();
        }
      }
    }
    return lastError;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: EachMessagePayload['message'],
    reason: string,
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

/** Errors can reach here as plain objects (an RPC filter's `{status, message}`); keep their message. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const message = (error as { message?: unknown } | null)?.message;
  return new Error(typeof message === 'string' ? message : JSON.stringify(error));
}
