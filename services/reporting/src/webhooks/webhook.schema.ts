import { Schema } from 'mongoose';

export const WEBHOOK_SUBSCRIPTION_MODEL = 'WebhookSubscription';
export const WEBHOOK_DELIVERY_MODEL = 'WebhookDelivery';

export interface SigningSecret {
  /** `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
  secret: string;
  createdAt: Date;
  /** Set on the previous secret when a new one is issued: it still signs until then. */
  expiresAt?: Date;
}

/**
 * An analyst's webhook: where to post which deal events, and how far it has got. `cursor` is the
 * position in the analysts' event log (analyst_events) of the last event delivered or passed over;
 * deliveries run strictly in log order, one subscription at a time (one BullMQ job id per
 * subscription), so each deal's events arrive in order.
 */
export interface WebhookSubscriptionRow {
  _id: string;
  owner: string;
  url: string;
  description?: string;
  /** Empty: every analyst event type. */
  types: string[];
  /** Empty: every park. */
  parks: string[];
  secrets: SigningSecret[];
  status: 'active' | 'disabled';
  cursor: number;
  /** When the current run of failures began (cleared by a success). */
  failingSince?: Date;
  consecutiveFailures: number;
  lastError?: string;
  disabledAt?: Date;
  disabledReason?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const WebhookSubscriptionSchema = new Schema<WebhookSubscriptionRow>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    url: { type: String, required: true },
    description: String,
    types: { type: [String], default: [] },
    parks: { type: [String], default: [] },
    secrets: { type: [{ _id: false, secret: String, createdAt: Date, expiresAt: Date }], default: [] },
    status: { type: String, required: true },
    cursor: { type: Number, required: true },
    failingSince: Date,
    consecutiveFailures: { type: Number, default: 0 },
    lastError: String,
    disabledAt: Date,
    disabledReason: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'webhook_subscriptions', versionKey: false },
);
WebhookSubscriptionSchema.index({ owner: 1 });
WebhookSubscriptionSchema.index({ status: 1 });

/** One attempt to post one event to one subscription: the delivery log analysts and ops read. */
export interface WebhookDeliveryRow {
  _id: string;
  subscriptionId: string;
  /** `webhook-id`: the event's id, the same on every attempt (receivers deduplicate on it). */
  webhookId: string;
  seq: number;
  type: string;
  outcome: 'delivered' | 'failed';
  statusCode?: number;
  error?: string;
  durationMs: number;
  at: Date;
}

export const WebhookDeliverySchema = new Schema<WebhookDeliveryRow>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    webhookId: { type: String, required: true },
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    outcome: { type: String, required: true },
    statusCode: Number,
    error: String,
    durationMs: { type: Number, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);
WebhookDeliverySchema.index({ subscriptionId: 1, at: -1 });
// The log keeps 30 days.
WebhookDeliverySchema.index({ at: 1 }, { expireAfterSeconds: 30 * 86_400 });
