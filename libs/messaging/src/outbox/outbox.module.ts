import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Partitioners, type Producer } from 'kafkajs';
import type { EventType, PayloadOf } from '@tt/contracts';
import { createKafka } from '../kafka/kafka-client';
import { ensureTopics } from '../kafka/ensure-topics';
import { stageEvent, type OutboxEntry } from './outbox-entry';
import { OutboxRelay } from './outbox-relay';

export interface OutboxModuleOptions {
  /** CloudEvents `source` of everything this service publishes, e.g. `/techtransfer/intake`. */
  source: string;
  /** Names of the mongoose models whose documents carry an `outbox` array. */
  models: string[];
  /** Modules that export those models (their `MongooseModule.forFeature`). */
  imports?: DynamicModule['imports'];
  pollIntervalMs?: number;
}

const OPTIONS = Symbol('OUTBOX_OPTIONS');
const RELAY = Symbol('OUTBOX_RELAY');
/** The Kafka producer the relay publishes with: the medium test tier replaces it with one that captures what is sent. */
export const OUTBOX_PRODUCER = Symbol('OUTBOX_PRODUCER');

/**
 * What a service's code uses to publish: stage events into the aggregate's update, then `flush()`
 * after the write so the relay publishes at once instead of at its next poll.
 */
@Injectable()
export class EventOutbox implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(OPTIONS) private readonly options: OutboxModuleOptions,
    @Inject(RELAY) private readonly relay: OutboxRelay,
    @Inject(OUTBOX_PRODUCER) private readonly producer: Producer,
  ) {}

  stage<T extends EventType>(type: T, payload: PayloadOf<T>): OutboxEntry {
    return stageEvent(type, payload, this.options.source);
  }

  /** Publish the events just staged on this aggregate now rather than at the next scan. */
  flush(model: Model<any>, id: unknown): void {
    this.relay.kick(model, id);
  }

  /**
   * The same for an aggregate this write just created with exactly these entries: the relay need not
   * read them back (a new document has no earlier entry that must leave first).
   */
  flushCreated(model: Model<any>, id: unknown, entries: OutboxEntry[]): void {
    this.relay.kick(model, id, entries);
  }

  /** How long the oldest event not yet published has waited (seconds): for /metrics and readiness. */
  oldestPendingAgeSeconds(): Promise<number> {
    return this.relay.oldestPendingAgeSeconds();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.producer.disconnect();
  }
}

@Module({})
export class OutboxModule {
  static forRoot(options: OutboxModuleOptions): DynamicModule {
    return {
      module: OutboxModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: OUTBOX_PRODUCER,
          useFactory: async () => {
            const kafka = createKafka(`${options.source.replace(/\W+/g, '-')}-outbox`);
            await ensureTopics(kafka);
            const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
            await producer.connect();
            return producer;
          },
        },
        {
          provide: RELAY,
          inject: [OUTBOX_PRODUCER, ...options.models.map((name) => getModelToken(name))],
          useFactory: (producer: Producer, ...models: Model<any>[]) => new OutboxRelay(producer, models, { pollIntervalMs: options.pollIntervalMs }),
        },
        EventOutbox,
      ],
      exports: [EventOutbox],
    };
  }
}
