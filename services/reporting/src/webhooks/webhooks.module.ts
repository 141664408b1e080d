import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AnalystEventsModule } from '../analyst-events/analyst-events.module';
import { WEBHOOK_DELIVERY_MODEL, WEBHOOK_SUBSCRIPTION_MODEL, WebhookDeliverySchema, WebhookSubscriptionSchema } from './webhook.schema';
import { WEBHOOK_DELIVERY_QUEUE, WebhookDeliveryProcessor, WebhookDispatcher } from './webhook-delivery.queue';
import { WebhooksController } from './webhooks.controller';
import { WebhookDeliveryEngine } from './webhook-delivery.engine';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';
import { WebhooksService } from './webhooks.service';

/** Analysts' webhooks: subscriptions, signed deliveries from a BullMQ queue, the delivery log, replay. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: WEBHOOK_SUBSCRIPTION_MODEL, schema: WebhookSubscriptionSchema },
      { name: WEBHOOK_DELIVERY_MODEL, schema: WebhookDeliverySchema },
    ]),
    BullModule.registerQueue({ name: WEBHOOK_DELIVERY_QUEUE }),
    AnalystEventsModule,
  ],
  controllers: [WebhooksController],
  providers: [WebhookSubscriptionsRepository, WebhooksService, WebhookDeliveryEngine, WebhookDispatcher, WebhookDeliveryProcessor],
})
export class WebhooksModule {}
