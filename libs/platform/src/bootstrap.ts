import 'reflect-metadata';
import { ConsoleLogger, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { getConnectionToken } from '@nestjs/mongoose';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import type { EventType } from '@tt/contracts';
import { createKafka, KafkaEventTransport, MongoProcessedEventStore } from '@tt/messaging';
import { AuthGuard } from './auth/auth.guard';
import type { ServiceConfig } from './config/service-config';
import { ReadinessChecks } from './health/health.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { jsonBody, middlewareErrorsAsProblems, rejectUnsafeInput, traceContext } from './http/request-hygiene';
import { createValidationPipe } from './http/validation.pipe';
import { StoreWatchdog } from './store/store-watchdog';

export interface BootstrapOptions {
  config: ServiceConfig;
  module: Type<unknown>;
  title: string;
  description: string;
  /** Present when the service consumes events: the types on its topics it deliberately ignores. */
  consumer?: { ignore: EventType[] };
}

/**
 * Starts one service the same way everywhere: hardened JSON input, problem-details errors, bearer
 * auth, OpenAPI at /docs, health at /health, the Kafka event consumer, and a graceful shutdown
 * (HTTP and consumer drained before the database closes).
 */
export async function bootstrapService(options: BootstrapOptions): Promise<INestApplication> {
  const { config } = options;
  const logger = new ConsoleLogger(config.service, { json: config.env === 'production', timestamp: true });
  const app = await NestFactory.create(options.module, { bodyParser: false, logger, bufferLogs: true });

  // Say nothing about the stack to whoever asks.
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  app.use(traceContext);
  app.use(jsonBody(config.bodyLimit));
  app.use(rejectUnsafeInput);
  app.use(middlewareErrorsAsProblems);
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalGuards(new AuthGuard(app.get(Reflector), config.authTokenSecret));
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  const connection = app.get<Connection>(getConnectionToken());
  const readiness = app.get(ReadinessChecks);
  readiness.service = config.service;
  readiness.add({ name: 'mongo', check: async () => connection.readyState === 1 && !!(await connection.db?.admin().ping()) });
  const storeWatchdog = new StoreWatchdog(connection, config.mongoUrl);
  storeWatchdog.start();

  if (options.consumer) {
    const transport = new KafkaEventTransport({
      kafka: createKafka(`${config.service}-consumer`),
      groupId: config.kafkaGroupId,
      processedEvents: new MongoProcessedEventStore(connection),
      ignore: options.consumer.ignore,
    });
    app.connectMicroservice({ strategy: transport });
    readiness.add({ name: 'kafka-consumer', check: async () => transport.isReady });
    await app.startAllMicroservices();
  }

  await app.listen(config.port, config.host);
  logger.log(`${config.service} listening on http://${config.host}:${config.port} (OpenAPI: /docs)`);
  return app;
}
