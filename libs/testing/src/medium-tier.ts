import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Connection } from 'mongoose';
import { Redis } from 'ioredis';
import type { Message, Producer } from 'kafkajs';
import { isObservable, lastValueFrom } from 'rxjs';
import { EVENT_CATALOG, SUBSCRIPTIONS, TOPIC_OWNERS, type EventType, type PayloadOf, type ServiceName } from '@tt/contracts';
import { BatchScope, decodeCloudEvent, EventContext, MongoProcessedEventStore, OUTBOX_PRODUCER, stageEvent, toCloudEvent, type CloudEvent } from '@tt/messaging';
import { applyHttpEdge, PlatformModule, type ServiceConfig } from '@tt/platform';
import { indexesBuilt } from '@tt/store';
import { ApiClient } from './api-client';
import { eventually } from './eventually';
import { TEST_JWKS } from './tokens';

/**
 * The medium test tier: one service's Nest modules, with the platform's HTTP edge exactly as in
 * production (auth, validation, problem details, rate limit, idempotency), on the real MongoDB-wire
 * server and Redis, in the test's own process. Kafka is the only part left out: what the outbox
 * relay publishes is captured (`published`), and events from other services are handed to the
 * service's `@EventPattern` handlers by `deliver`, through Nest's handler pipeline, with the same
 * owner check and dedupe as the Kafka transport.
 *
 * The service's config is read from the environment when its module is first imported, so `start`
 * sets the environment (a database of its own, the test key set) before it loads the module: one
 * tier per test file.
 */
export interface MediumTierOptions {
  service: ServiceName;
  /** Loads the service's root module (a dynamic import, so that it reads the environment set here). */
  appModule: () => Promise<Type<unknown>>;
  /** Loads the service's parsed config, the same way. */
  config: () => Promise<ServiceConfig>;
  /** Extra environment for the service (e.g. a short reminder delay). */
  env?: Record<string, string>;
}

/** Hands events to the app's `@EventPattern` handlers; never listens anywhere. */
class InProcessEvents extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }
  close(): void {}
  on(): never {
    throw new Error('not supported in the medium tier');
  }
  unwrap<T>(): T {
    throw new Error('not supported in the medium tier');
  }
  handlerFor(type: string) {
    return this.getHandlerByPattern(type);
  }
}

export type DeliveryOutcome = 'handled' | 'duplicate' | 'ignored';

export class MediumTier {
  private constructor(
    /** Every event the service published, decoded (as a consumer would) from what its relay sent, in order. */
    readonly published: CloudEvent[],
    readonly service: ServiceName,
    readonly app: INestApplication,
    readonly baseUrl: string,
    readonly connection: Connection,
    readonly config: ServiceConfig,
    private readonly events: InProcessEvents,
  ) {}

  static async start(options: MediumTierOptions): Promise<MediumTier> {
    const database = `m_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}_${options.service.replace(/-/g, '_')}`;
    Object.assign(process.env, {
      NODE_ENV: 'test',
      MONGO_DB: database,
      AUTH_JWKS: TEST_JWKS,
      KAFKA_GROUP_ID: `${database}-group`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...options.env,
    });
    const [appModule, config] = await Promise.all([options.appModule(), options.config()]);
    @Module({ imports: [PlatformModule.forRoot(config), appModule] })
    class MediumTierRoot {}
    const published: CloudEvent[] = [];
    // Decoded as a consumer would: a published event that breaks its contract fails the write, as Kafka's consumers would refuse it.
    const producer: Pick<Producer, 'sendBatch' | 'disconnect' | 'connect'> = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      sendBatch: async ({ topicMessages }) => {
        for (const message of (topicMessages ?? []).flatMap((t) => t.messages)) {
          published.push(decodeCloudEvent({ key: toBuffer(message.key), value: toBuffer(message.value), headers: message.headers }).event);
        }
        return [];
      },
    };
    const moduleRef = await Test.createTestingModule({ imports: [MediumTierRoot] })
      .overrideProvider(OUTBOX_PRODUCER)
      .useValue(producer)
      .compile();
    const app = moduleRef.createNestApplication({ bodyParser: false, logger: ['error', 'warn'] });
    await indexesBuilt(app.get<Connection>(getConnectionToken())); // as bootstrapService does
    applyHttpEdge(app, config);
    const events = new InProcessEvents();
    app.connectMicroservice({ strategy: events });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return new MediumTier(published, options.service, app, `http://127.0.0.1:${port}`, app.get<Connection>(getConnectionToken()), config, events);
  }

  /** An HTTP client on the service, with a token (tokens.ts) or without. */
  api(token?: string): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  /** The events of one type published so far. */
  publishedOf<T extends EventType>(type: T): Array<CloudEvent<PayloadOf<T>>> {
    return this.published.filter((e) => e.type === type) as Array<CloudEvent<PayloadOf<T>>>;
  }

  /** Waits (the relay publishes right after the write, or at its next poll) for events of a type. */
  async waitForPublished<T extends EventType>(type: T, count = 1, where: (event: CloudEvent<PayloadOf<T>>) => boolean = () => true): Promise<Array<CloudEvent<PayloadOf<T>>>> {
    return eventually(
      async () => this.publishedOf(type).filter(where),
      (found) => found.length >= count,
      { timeoutMs: 10_000, what: `${count} ${type} published` },
    );
  }

  /** An event as its owning service would publish it (a fresh id unless one is given). */
  static event<T extends EventType>(type: T, payload: PayloadOf<T>, id?: string): CloudEvent<PayloadOf<T>> {
    const event = toCloudEvent(stageEvent(type, payload, TOPIC_OWNERS[EVENT_CATALOG[type].topic]));
    return { ...event, id: id ?? event.id } as CloudEvent<PayloadOf<T>>;
  }

  /**
   * Delivers an event to the service as the Kafka transport does after decoding it: an event from
   * another source than its topic's owner is refused, an ignored type is acknowledged unread, a
   * repeated id is acknowledged without running the handler, and the handler's errors are thrown.
   */
  async deliver(event: CloudEvent): Promise<DeliveryOutcome> {
    const subscription = SUBSCRIPTIONS[this.service];
    const definition = EVENT_CATALOG[event.type as EventType];
    if (!definition) throw new Error(`unknown event type ${event.type}`);
    if (event.source !== TOPIC_OWNERS[definition.topic]) throw new Error(`untrusted source ${event.source} for ${event.type}`);
    if ((subscription.ignores as string[]).includes(event.type)) return 'ignored';
    const processed = new MongoProcessedEventStore(this.connection);
    if ((await processed.seen(this.config.kafkaGroupId, [event.id])).has(event.id)) return 'duplicate';
    const handler = this.events.handlerFor(event.type);
    if (!handler) throw new Error(`${this.service} has no handler for ${event.type}`);
    const scope = new BatchScope(); // a batch of one: what the handler leaves to the batch's end is done before the record
    const result = await handler(event.data, new EventContext([event, { topic: definition.topic, partition: 0, offset: '0', attempt: 1 }, scope]));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    await scope.settle();
    await processed.record(this.config.kafkaGroupId, [{ id: event.id, type: event.type }]);
    return 'handled';
  }

  /** Closes the app (its queues and connections) and drops its database and Redis keys. */
  async stop(): Promise<void> {
    await this.connection.db?.dropDatabase().catch(() => undefined);
    await this.app.close();
    const redis = new Redis(this.config.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      for (const prefix of [`bull:${this.config.mongoDb}:`, `throttle:${this.config.mongoDb}:`]) {
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) if ((keys as string[]).length) await redis.del(...(keys as string[]));
      }
    } finally {
      redis.disconnect();
    }
  }
}

function toBuffer(value: Message['key'] | Message['value']): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}
