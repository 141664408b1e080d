import 'reflect-metadata';
import { Module, type INestApplication, type Type } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import mongoose, { type Connection } from 'mongoose';
import { Logger } from 'nestjs-pino';
import type { Subscription } from '@tt/contracts';
import { createKafka, EventOutbox, KafkaEventTransport, MongoProcessedEventStore } from '@tt/messaging';
import { scrapedGauge, startTracing } from '@tt/observability';
import { indexesBuilt, StoreWatchdog } from '@tt/store';
import type { ServiceConfig } from './config/service-config';
import { ReadinessChecks } from './health/health.controller';
import { withProblemResponses } from './http/openapi-problems';
import { routeDtos, withValidatorConstraints } from './http/openapi-constraints';
import { withRuleDescriptions } from './http/openapi-rules';
import { startProcessMetrics } from './metrics/metrics';
import { applyHttpEdge } from './service-kit/http-edge';
import { PlatformModule } from './service-kit/platform.module';

export interface BootstrapOptions {
  config: ServiceConfig;
  module: Type<unknown>;
  title: string;
  description: string;
  /** Present when the service consumes events: its entry in the contracts' `SUBSCRIPTIONS`. */
  consumer?: Subscription;
}

/**
 * Starts one service the same way everywhere: hardened JSON input, problem-details errors, bearer
 * auth, OpenAPI at /docs, health at /health, the Kafka event consumer, and a graceful shutdown
 * (HTTP and consumer drained before the database closes).
 */
export async function bootstrapService(options: BootstrapOptions): Promise<INestApplication> {
  const { config } = options;
  startTracing(config.service);
  // The service's module under one root that adds the platform (logger, auth, limits, errors, health) alike for every service.
  @Module({ imports: [PlatformModule.forRoot(config), options.module] })
  class ServiceRoot {}
  // Mongoose otherwise captures a stack trace on every query it runs (to report a query run twice): a
  // measurable share of a consumer's CPU, for a diagnosis our repositories never need.
  mongoose.set('skipOriginalStackTraces', true);
  // abortOnError off: a failed start throws to the service's main (which exits 1) instead of exiting inside Nest.
  const app = await NestFactory.create(ServiceRoot, { bodyParser: false, bufferLogs: true, abortOnError: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  startProcessMetrics(config.service);
  applyHttpEdge(app, config);
  app.enableShutdownHooks();

  const generated = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  const document = describeRules(app, generated);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  const connection = app.get<Connection>(getConnectionToken());
  // No request and no event before the unique indexes exist (see indexesBuilt).
  await indexesBuilt(connection);
  const readiness = app.get(ReadinessChecks);
  readiness.service = config.service;
  readiness.add({ name: 'mongo', check: async () => connection.readyState === 1 && !!(await connection.db?.admin().ping()) });
  const storeWatchdog = new StoreWatchdog(connection, config.mongoUrl);
  storeWatchdog.start();

  // Through ModuleRef: the app's own get() logs a missing provider as an error (reporting has no outbox).
  const modules = app.get(ModuleRef);
  const outbox = optional(() => modules.get(EventOutbox, { strict: false }));
  if (outbox) {
    scrapedGauge({
      name: 'tt_outbox_oldest_event_age_seconds',
      help: 'How long the oldest event not yet published has waited in the outbox',
      async collect() {
        this.set(await outbox.oldestPendingAgeSeconds());
      },
    });
    readiness.add({ name: 'outbox', check: async () => (await outbox.oldestPendingAgeSeconds()) <= config.outboxReadyMaxAgeSeconds });
  }

  if (options.consumer) {
    const transport = new KafkaEventTransport({
      kafka: createKafka(`${config.service}-consumer`),
      groupId: config.kafkaGroupId,
      processedEvents: new MongoProcessedEventStore(connection),
      subscription: options.consumer,
      keysConcurrently: config.consumerKeyConcurrency,
    });
    app.connectMicroservice({ strategy: transport });
    readiness.add({ name: 'kafka-consumer', check: async () => transport.isReady });
    scrapedGauge({
      name: 'tt_kafka_consumer_lag',
      help: 'Records on the consumed topics not yet committed by this service’s consumer group, per topic',
      labelNames: ['topic'] as const,
      async collect() {
        for (const [topic, lag] of Object.entries(await transport.lag())) this.set({ topic }, lag);
      },
    });
    readiness.add({ name: 'consumer-lag', check: async () => Object.values(await transport.lag()).every((lag) => lag <= config.consumerReadyMaxLag) });
    await app.startAllMicroservices();
  }

  await app.listen(config.port, config.host);
  logger.log(`${config.service} listening on http://${config.host}:${config.port} (OpenAPI: /docs)`);
  return app;
}

/**
 * Every problem answer, every rule JSON Schema can say (validator constraints, unknown fields and
 * control characters refused, the If-Match format) and, by name, those it cannot (x-tt-rules)
 * documented, so clients (and fuzzers) know them.
 */
export function describeRules(app: INestApplication, generated: OpenAPIObject): OpenAPIObject {
  const { document, implied } = withValidatorConstraints(withProblemResponses(generated), routeDtos(app));
  return withRuleDescriptions(document, implied);
}

/** A provider the service may not have (reporting has no outbox). */
function optional<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}
