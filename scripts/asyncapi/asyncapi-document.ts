import {
  ALL_TOPICS,
  ANALYST_EVENT_TYPES,
  EVENT_CATALOG,
  EVENT_TYPES,
  TOPICS,
  deadLetterTopicOf,
  payloadJsonSchema,
  SERVICE_NAMES,
  SUBSCRIPTIONS,
  TOPIC_OWNERS,
  type EventType,
  type ServiceName,
  type Topic,
} from '@tt/contracts';
import { DEAD_LETTER_REASONS } from '@tt/messaging';

/**
 * The AsyncAPI 3.0 description of the platform's events, built from the contracts so it cannot drift
 * from them: `npm run asyncapi:generate` writes it to docs/asyncapi.yaml, and
 * scripts/asyncapi/asyncapi.spec.ts fails when the file is stale.
 */

type TopicKey = keyof typeof TOPICS;

/** The one service that produces the events of each topic (one producer per aggregate): its owner in the contracts. */
export const PRODUCER_OF_TOPIC = Object.fromEntries(
  (Object.keys(TOPICS) as TopicKey[]).map((key) => [key, TOPIC_OWNERS[TOPICS[key]].split('/').pop() as ServiceName]),
) as Record<TopicKey, ServiceName>;

/** Which service consumes which event types: its `handles` in the contracts' SUBSCRIPTIONS. */
export const CONSUMERS = Object.fromEntries(SERVICE_NAMES.map((service) => [service, [...SUBSCRIPTIONS[service].handles]])) as Record<ServiceName, EventType[]>;

export const PARTITIONS = 3;
const KAFKA_BINDING_VERSION = '0.5.0';

const DESCRIPTION = [
  'Events exchanged by the four services of the technology-transfer brokerage platform',
  '(intake, matching, contract-tracking, reporting) over Kafka.',
  '',
  '**Envelope.** Every record is a CloudEvents 1.0 event in the Kafka protocol binding, *binary* content mode:',
  'the attributes travel as record headers `ce_specversion` (`1.0`), `ce_id`, `ce_type`, `ce_source`,',
  '`ce_subject` and `ce_time`, with `content-type: application/json`; the record value is the JSON payload',
  '(the `data`); the W3C `traceparent` header carries the trace context from the request that caused the event.',
  'The record key is the aggregate id (the need id or the deal id, also sent as `ce_subject`), so all events',
  'of one aggregate go to one partition and are consumed in order.',
  '',
  '**Delivery.** Producers publish through a transactional outbox, so delivery is at least once: consumers',
  'are at-least-once and deduplicate by `ce_id`, and commit offsets only after the effect is stored.',
  'Money is always an integer amount in fen (分).',
  '',
  '**Dead letters.** An event a consumer cannot handle (malformed envelope, unknown type, payload that',
  'violates its schema, or a handler that keeps failing after bounded retries) is copied unchanged to',
  '`<topic>.dlq` with its original key and headers plus `dlq_*` headers saying why, and the partition moves on.',
].join('\n');

/** `cn.techtransfer.need.captured.v1` → `NeedCapturedV1`: the component id of an event type's message. */
export function messageIdOf(type: string): string {
  return type
    .replace(/^cn\.techtransfer\./, '')
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function topicKeyOf(topic: Topic): TopicKey {
  const key = (Object.keys(TOPICS) as TopicKey[]).find((k) => TOPICS[k] === topic);
  if (!key) throw new Error(`topic ${topic} is not in TOPICS`);
  return key;
}

const dlqChannelIdOf = (key: TopicKey) => `${key}DeadLetter`;
const ref = ($ref: string) => ({ $ref });
const channelRef = (channelId: string) => ref(`#/channels/${channelId}`);
const channelMessageRef = (channelId: string, messageId: string) => ref(`#/channels/${channelId}/messages/${messageId}`);
const serviceTag = (service: ServiceName) => ({ name: `service:${service}` });

/** The CloudEvents headers of one event type (Kafka binding, binary mode). */
function cloudEventHeaders(type: string, producer: ServiceName): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      ce_specversion: { type: 'string', const: '1.0', description: 'CloudEvents specification version.' },
      ce_id: { type: 'string', minLength: 1, description: 'Unique event id (a UUID); consumers deduplicate by it.' },
      ce_type: { type: 'string', const: type, description: 'The event type.' },
      ce_source: { type: 'string', const: `/techtransfer/${producer}`, description: 'The producing service; consumers dead-letter an event whose source is not its topic\'s owner.' },
      ce_subject: { type: 'string', minLength: 1, description: 'The aggregate id, equal to the record key.' },
      ce_time: { type: 'string', format: 'date-time', description: 'When the event was staged (RFC 3339).' },
      'content-type': { type: 'string', const: 'application/json', description: 'Media type of the record value.' },
      traceparent: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C trace context of the request or event that caused this event.',
      },
    },
    required: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_subject', 'ce_time', 'content-type', 'traceparent'],
  };
}

/** Reasons a consumer dead-letters a record (InvalidEventError reasons and exhausted handler retries). */
export { DEAD_LETTER_REASONS };

function deadLetterMessage(): Record<string, unknown> {
  return {
    name: 'DeadLetter',
    title: 'Dead-lettered record',
    summary: 'A record a consumer could not handle, copied unchanged with the reason.',
    description:
      'The original key, value and headers (including the `ce_*` headers when present) of a record from `<topic>`, ' +
      'plus `dlq_*` headers. Inspect, fix the cause, then replay to the source topic if the event is valid.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        dlq_reason: { type: 'string', enum: [...DEAD_LETTER_REASONS], description: 'Why the record was dead-lettered.' },
        dlq_error: { type: 'string', maxLength: 1000, description: 'The error message (truncated to 1000 characters).' },
        dlq_source_topic: { type: 'string', description: 'The topic the record was read from.' },
        dlq_source_partition: { type: 'string', pattern: '^\\d+$', description: 'Its partition.' },
        dlq_source_offset: { type: 'string', pattern: '^\\d+$', description: 'Its offset.' },
        dlq_consumer_group: { type: 'string', description: 'The consumer group that gave up on it.' },
        dlq_failed_at: { type: 'string', format: 'date-time', description: 'When it was dead-lettered.' },
      },
      required: [
        'dlq_reason',
        'dlq_error',
        'dlq_source_topic',
        'dlq_source_partition',
        'dlq_source_offset',
        'dlq_consumer_group',
        'dlq_failed_at',
      ],
    },
    payload: { description: 'The original record value, unchanged (normally a JSON event payload, but possibly malformed).' },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The original record key (the aggregate id).' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

/** A deal event as reporting gives it to analysts: a Standard Webhooks body, and the SSE `data:`. */
function analystDealEventMessage(): Record<string, unknown> {
  const event = {
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^\\d+$', description: 'Position in reporting’s event log: the GET /events cursor and the SSE id.' },
      eventId: { type: 'string', description: 'The CloudEvent id (`webhook-id` of the delivery).' },
      type: { type: 'string', enum: ANALYST_EVENT_TYPES },
      time: { type: 'string', format: 'date-time' },
      dealId: { type: 'string' },
      parkId: { type: 'string' },
      data: {
        type: 'object',
        description: 'The event’s payload as on Kafka (see the deal channel’s messages), with every party reduced to role, nature and region: no names, no 统一社会信用代码, no contacts.',
      },
    },
    required: ['id', 'eventId', 'type', 'time', 'data'],
  };
  return {
    name: 'AnalystDealEvent',
    title: 'Deal event for analysts',
    summary: 'One deal event, as a webhook delivery (Standard Webhooks) or an SSE message.',
    contentType: 'application/json',
    headers: {
      type: 'object',
      description: 'On webhook deliveries (Standard Webhooks).',
      properties: {
        'webhook-id': { type: 'string', description: 'The event id: the same on every attempt and replay; receivers deduplicate on it.' },
        'webhook-timestamp': { type: 'string', pattern: '^\\d+$', description: 'Seconds since the epoch at signing; receivers reject one more than 5 minutes away.' },
        'webhook-signature': {
          type: 'string',
          description: 'Space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per live secret (two during a rotation); keys are the `whsec_` secrets.',
        },
      },
      required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    },
    payload: {
      type: 'object',
      properties: { type: { type: 'string', enum: ANALYST_EVENT_TYPES }, timestamp: { type: 'string', format: 'date-time' }, data: event },
      required: ['type', 'timestamp', 'data'],
    },
    tags: [serviceTag('reporting')],
  };
}

function eventMessage(type: EventType): Record<string, unknown> {
  const definition = EVENT_CATALOG[type];
  const producer = PRODUCER_OF_TOPIC[topicKeyOf(definition.topic)];
  return {
    name: type,
    title: messageIdOf(type),
    summary: definition.summary,
    contentType: 'application/json',
    headers: cloudEventHeaders(type, producer),
    payload: payloadJsonSchema(type),
    correlationId: {
      description: 'The aggregate id, also the record key.',
      location: '$message.header#/ce_subject',
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The aggregate id (record key, equal to ce_subject).' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    tags: [serviceTag(producer)],
  };
}

export function buildAsyncApiDocument(): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) messages[messageIdOf(type)] = eventMessage(type);
  messages.DeadLetter = deadLetterMessage();

  const channels: Record<string, unknown> = {};
  for (const topic of ALL_TOPICS) {
    const key = topicKeyOf(topic);
    const types = EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === topic);
    channels[key] = {
      address: topic,
      title: `${key} events`,
      description: `Events of the ${key} aggregate, keyed by its id. Produced only by ${PRODUCER_OF_TOPIC[key]}.`,
      messages: Object.fromEntries(types.map((t) => [messageIdOf(t), ref(`#/components/messages/${messageIdOf(t)}`)])),
      bindings: { kafka: { topic, partitions: PARTITIONS, bindingVersion: KAFKA_BINDING_VERSION } },
    };
    const dlq = deadLetterTopicOf(topic);
    channels[dlqChannelIdOf(key)] = {
      address: dlq,
      title: `${key} dead letters`,
      description: `Records of \`${topic}\` that a consumer group could not handle.`,
      messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
      bindings: { kafka: { topic: dlq, partitions: PARTITIONS, bindingVersion: KAFKA_BINDING_VERSION } },
    };
  }

  const operations: Record<string, unknown> = {};
  for (const type of EVENT_TYPES) {
    const key = topicKeyOf(EVENT_CATALOG[type].topic);
    const producer = PRODUCER_OF_TOPIC[key];
    operations[`${camel(producer)}Send${messageIdOf(type)}`] = {
      action: 'send',
      title: `${producer} publishes ${type}`,
      summary: EVENT_CATALOG[type].summary,
      channel: channelRef(key),
      messages: [channelMessageRef(key, messageIdOf(type))],
      tags: [serviceTag(producer)],
    };
  }
  for (const service of Object.keys(CONSUMERS) as ServiceName[]) {
    const consumed = CONSUMERS[service];
    for (const type of consumed) {
      const key = topicKeyOf(EVENT_CATALOG[type].topic);
      operations[`${camel(service)}Receive${messageIdOf(type)}`] = {
        action: 'receive',
        title: `${service} consumes ${type}`,
        channel: channelRef(key),
        messages: [channelMessageRef(key, messageIdOf(type))],
        bindings: { kafka: { groupId: { type: 'string', const: service }, bindingVersion: KAFKA_BINDING_VERSION } },
        tags: [serviceTag(service)],
      };
    }
    // A consumer dead-letters what it cannot handle on each topic it reads.
    const topics = [...new Set(consumed.map((t) => topicKeyOf(EVENT_CATALOG[t].topic)))];
    for (const key of topics) {
      operations[`${camel(service)}DeadLetter${capitalise(key)}`] = {
        action: 'send',
        title: `${service} dead-letters ${TOPICS[key]} records it cannot handle`,
        channel: channelRef(dlqChannelIdOf(key)),
        messages: [channelMessageRef(dlqChannelIdOf(key), 'DeadLetter')],
        tags: [serviceTag(service)],
      };
    }
  }
  operations.analystSubscription = {
    action: 'receive',
    title: 'Analysts subscribe to deal events on Kafka',
    summary: 'Analysts with access to the cluster follow deals from intent to registered contract.',
    description: 'Analysts consume the deal topic with their own consumer group; deal events carry no enterprise contacts. Analysts without Kafka use the webhooks or the SSE stream below.',
    channel: channelRef('deal'),
    messages: EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === TOPICS.deal).map((t) => channelMessageRef('deal', messageIdOf(t))),
    tags: [{ name: 'role:analyst' }],
  };
  // The same deal events, as reporting hands them to analysts over HTTP (webhooks and SSE).
  messages.AnalystDealEvent = analystDealEventMessage();
  channels.analystWebhook = {
    address: null,
    title: 'An analyst’s webhook endpoint',
    description:
      'The URL an analyst registered with `POST /webhooks` on reporting. Each delivery is one deal event, signed per Standard Webhooks, posted in event-log order (so in order per deal), retried with exponential backoff until the endpoint answers 2xx; a webhook failing for the whole disable window (3 days by default) is disabled, and `POST /webhooks/{id}/replay` delivers again from any position.',
    servers: [ref('#/servers/analystEndpoint')],
    messages: { AnalystDealEvent: ref('#/components/messages/AnalystDealEvent') },
  };
  channels.analystEventStream = {
    address: '/events/stream',
    title: 'Server-Sent Events stream of deal events',
    description:
      'GET /events/stream on reporting with an analyst’s (or a broker’s, for their park) bearer token: `text/event-stream`, each event with `id:` (its position in the event log), `event:` (the type) and `data:` (the `data` object of the webhook body). Reconnecting with `Last-Event-ID` resumes without gaps or repeats. GET /events gives the same events by cursor.',
    servers: [ref('#/servers/reporting')],
    messages: { AnalystDealEvent: ref('#/components/messages/AnalystDealEvent') },
  };
  operations.reportingSendAnalystWebhook = {
    action: 'send',
    title: 'reporting posts deal events to analysts’ webhooks',
    channel: channelRef('analystWebhook'),
    messages: [channelMessageRef('analystWebhook', 'AnalystDealEvent')],
    tags: [serviceTag('reporting'), { name: 'role:analyst' }],
  };
  operations.reportingSendAnalystEventStream = {
    action: 'send',
    title: 'reporting streams deal events to analysts (SSE)',
    channel: channelRef('analystEventStream'),
    messages: [channelMessageRef('analystEventStream', 'AnalystDealEvent')],
    tags: [serviceTag('reporting'), { name: 'role:analyst' }],
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Technology-transfer brokerage events',
      version: '1.0.0',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:19092',
        protocol: 'kafka',
        description: 'The single-broker Kafka started by `scripts/infra/up` (plaintext, auto topic creation off).',
      },
      reporting: {
        host: '127.0.0.1:3004',
        protocol: 'http',
        description: 'The reporting service (GET /events, GET /events/stream, /webhooks, /dashboard).',
      },
      analystEndpoint: {
        host: '{host}',
        protocol: 'https',
        description: 'An analyst’s own endpoint, registered as a webhook (https; plain http is accepted only outside production).',
        variables: { host: { default: 'stats.example.gov.cn', description: 'The host of the registered URL.' } },
      },
      production: {
        host: '{brokers}',
        protocol: 'kafka',
        description: 'The production Kafka cluster (KAFKA_BROKERS).',
        variables: { brokers: { default: 'kafka:9092', description: 'A bootstrap broker host:port.' } },
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

function camel(service: string): string {
  return service.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
