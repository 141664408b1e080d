import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import * as contracts from '@tt/contracts';
import { ALL_DEAD_LETTER_TOPICS, ALL_TOPICS, EVENT_CATALOG, EVENT_TYPES, payloadJsonSchema, type EventType } from '@tt/contracts';
import { encodeCloudEvent } from '@tt/messaging';
import { buildAsyncApiDocument, CONSUMERS, messageIdOf, PRODUCER_OF_TOPIC } from './asyncapi-document';
import type { ServiceName } from '@tt/contracts';
import { ASYNCAPI_HEADER, ASYNCAPI_PATH } from './generate';
import { EVENT_EXAMPLES as SAMPLE_PAYLOADS } from '@tt/contracts';

type Json = Record<string, any>;
const ROOT = join(__dirname, '../..');
const built = buildAsyncApiDocument() as Json;
/** Follows a local `$ref` (and the `$ref` it lands on, as channel messages point at components). */
function resolve(doc: Json, $ref: string): Json {
  const target = $ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  return target && typeof target.$ref === 'string' ? resolve(doc, target.$ref) : target;
}

/** A small JSON Schema checker for the keywords the contracts emit (no validator is installed). */
function schemaErrors(schema: Json, value: unknown, at = ''): string[] {
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${at || '/'}: ${why}`);
  if ('const' in schema && value !== schema.const) fail(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) fail(`not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [...errors, `${at}: not an object`];
      const v = value as Json;
      for (const key of schema.required ?? []) if (!(key in v)) fail(`missing ${key}`);
      for (const [key, item] of Object.entries(v)) {
        const sub = schema.properties?.[key];
        if (sub) errors.push(...schemaErrors(sub, item, `${at}/${key}`));
        else if (schema.additionalProperties === false) fail(`unexpected ${key}`);
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [...errors, `${at}: not an array`];
      if (schema.minItems !== undefined && value.length < schema.minItems) fail('too few items');
      if (schema.maxItems !== undefined && value.length > schema.maxItems) fail('too many items');
      value.forEach((item, i) => errors.push(...schemaErrors(schema.items ?? {}, item, `${at}/${i}`)));
      break;
    case 'string':
      if (typeof value !== 'string') return [...errors, `${at}: not a string`];
      if (schema.minLength !== undefined && value.length < schema.minLength) fail('too short');
      if (schema.maxLength !== undefined && value.length > schema.maxLength) fail('too long');
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return [...errors, `${at}: not an ${schema.type}`];
      if (schema.minimum !== undefined && value < schema.minimum) fail('below minimum');
      if (schema.maximum !== undefined && value > schema.maximum) fail('above maximum');
      break;
  }
  return errors;
}

/** The keys a zod object schema requires (not optional), read from the zod schema itself. */
function zodRequiredKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as z.ZodObject).shape;
  return Object.entries(shape)
    .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
    .map(([k]) => k)
    .sort();
}

describe('AsyncAPI document', () => {
  it('docs/asyncapi.yaml is up to date with the contracts', () => {
    const text = readFileSync(ASYNCAPI_PATH, 'utf8');
    const stale = 'docs/asyncapi.yaml is stale: run `npm run asyncapi:generate` and commit the result';
    expect({ header: text.startsWith(ASYNCAPI_HEADER), stale }).toEqual({ header: true, stale });
    const onDisk = parse(text);
    // A plain deep-equality, wrapped so the failure names the fix.
    if (JSON.stringify(onDisk) !== JSON.stringify(built)) {
      expect({ document: onDisk, hint: stale }).toEqual({ document: built, hint: stale });
    }
    expect(onDisk).toEqual(built);
  });

  it('is an AsyncAPI 3.0.0 document with the local and production Kafka servers', () => {
    expect(built.asyncapi).toBe('3.0.0');
    expect(built.defaultContentType).toBe('application/json');
    expect(built.info).toMatchObject({ title: 'Technology-transfer brokerage events', version: '1.0.0' });
    for (const word of ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_subject', 'ce_time', 'traceparent', '.dlq', 'ce_id']) {
      expect(built.info.description).toContain(word);
    }
    expect(built.servers.local).toMatchObject({ host: '127.0.0.1:19092', protocol: 'kafka' });
    expect(built.servers.production).toMatchObject({ protocol: 'kafka' });
  });

  it('has a channel for every topic and every dead-letter topic, with 3 partitions', () => {
    const channels = (Object.values(built.channels) as Json[]).filter((c) => c.bindings?.kafka);
    const addresses = channels.map((c) => c.address).sort();
    expect(addresses).toEqual([...ALL_TOPICS, ...ALL_DEAD_LETTER_TOPICS].sort());
    for (const channel of channels) expect(channel.bindings.kafka.partitions).toBe(3);
  });

  it('describes the analysts’ HTTP channels: webhooks signed per Standard Webhooks, and the SSE stream', () => {
    expect(built.channels.analystWebhook.servers).toEqual([{ $ref: '#/servers/analystEndpoint' }]);
    expect(built.channels.analystEventStream.address).toBe('/events/stream');
    const message = built.components.messages.AnalystDealEvent;
    expect(message.headers.required).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(message.payload.properties.data.properties.type.enum).toContain('cn.techtransfer.transaction.logged.v2');
    expect(message.payload.properties.data.properties.type.enum).not.toContain('cn.techtransfer.deal.reminder.v1');
    expect(built.operations.reportingSendAnalystWebhook.channel).toEqual({ $ref: '#/channels/analystWebhook' });
  });

  it.each(EVENT_TYPES)('publishes %s on the channel of its topic', (type) => {
    const definition = EVENT_CATALOG[type];
    const channels = (Object.values(built.channels) as Json[]).filter((c) =>
      Object.values(c.messages).some((m: any) => resolve(built, m.$ref)?.name === type),
    );
    expect(channels.map((c) => c.address)).toEqual([definition.topic]);
    const message = resolve(built, `#/components/messages/${messageIdOf(type)}`);
    expect(message).toMatchObject({ name: type, summary: definition.summary, contentType: 'application/json' });
    expect(message.payload).toEqual(payloadJsonSchema(type));
    expect(message.headers.properties.ce_type.const).toBe(type);
    expect(message.bindings.kafka.key.type).toBe('string');
  });

  it('resolves every $ref, and every operation message belongs to its channel', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) (k === '$ref' ? refs.push(v as string) : walk(v));
      }
    };
    walk(built);
    for (const $ref of refs) expect({ $ref, target: resolve(built, $ref) !== undefined }).toEqual({ $ref, target: true });
    for (const [id, op] of Object.entries(built.operations) as [string, Json][]) {
      for (const m of op.messages) expect({ id, ok: m.$ref.startsWith(`${op.channel.$ref}/messages/`) }).toEqual({ id, ok: true });
    }
  });

  describe('message payloads', () => {
    it.each(EVENT_TYPES)('%s: the sample is accepted by the zod schema and the published JSON schema', (type) => {
      const sample = SAMPLE_PAYLOADS[type];
      expect(EVENT_CATALOG[type].schema.safeParse(sample).error?.issues ?? []).toEqual([]);
      const message = resolve(built, `#/components/messages/${messageIdOf(type)}`);
      expect(schemaErrors(message.payload, sample)).toEqual([]);
      // ...and both reject an unknown field.
      const extended = { ...sample, unexpected: 1 };
      expect(EVENT_CATALOG[type].schema.safeParse(extended).success).toBe(false);
      expect(schemaErrors(message.payload, extended)).not.toEqual([]);
    });

    it.each(EVENT_TYPES)('%s: the JSON schema requires exactly what the zod schema requires', (type) => {
      const message = resolve(built, `#/components/messages/${messageIdOf(type)}`);
      expect([...message.payload.required].sort()).toEqual(zodRequiredKeys(EVENT_CATALOG[type].schema));
    });

    it.each(EVENT_TYPES)('%s: the headers schema describes what encodeCloudEvent writes', (type) => {
      const message = resolve(built, `#/components/messages/${messageIdOf(type)}`);
      const definition = EVENT_CATALOG[type];
      const producer = PRODUCER_OF_TOPIC[topicKey(definition.topic)];
      const record = encodeCloudEvent({
        id: '6f1c2a1e-8d2b-4d3c-9a53-1e1b1f0f6a11',
        type,
        source: `/techtransfer/${producer}`,
        subject: (definition.keyOf as (p: unknown) => string)(SAMPLE_PAYLOADS[type]),
        time: '2025-03-01T01:30:00.000Z',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        data: SAMPLE_PAYLOADS[type],
      });
      expect(Object.keys(message.headers.properties).sort()).toEqual(Object.keys(record.headers!).sort());
      expect(schemaErrors(message.headers, record.headers)).toEqual([]);
    });
  });

  describe('operations', () => {
    const operations = Object.values(built.operations) as Json[];
    const messagesOf = (op: Json) => op.messages.map((m: Json) => resolve(built, m.$ref).name);
    const byService = (action: string, service: string) =>
      operations.filter((op) => op.action === action && op.tags?.some((t: Json) => t.name === `service:${service}`));

    it.each(EVENT_TYPES)('%s is sent by exactly the producer of its topic', (type) => {
      const senders = operations.filter((op) => op.action === 'send' && messagesOf(op).includes(type));
      const producer = PRODUCER_OF_TOPIC[topicKey(EVENT_CATALOG[type].topic)];
      expect(senders.map((op) => op.tags.map((t: Json) => t.name))).toEqual([[`service:${producer}`]]);
    });

    it('documents exactly what each service handles (SUBSCRIPTIONS), none of what it ignores, and analysts subscribe to every deal event', () => {
      const received = (service: string) => byService('receive', service).flatMap(messagesOf).sort();
      for (const service of contracts.SERVICE_NAMES) {
        expect(received(service)).toEqual([...contracts.SUBSCRIPTIONS[service].handles].sort());
      }
      const analysts = built.operations.analystSubscription;
      expect(analysts.action).toBe('receive');
      expect(resolve(built, analysts.channel.$ref).address).toBe(contracts.TOPICS.deal);
      expect(messagesOf(analysts).sort()).toEqual(EVENT_TYPES.filter((t) => EVENT_CATALOG[t].topic === contracts.TOPICS.deal).sort());
    });

    it.each(Object.keys(CONSUMERS) as ServiceName[])(
      '%s: the documented receive operations match its @EventPattern handlers',
      (service) => {
        const handled = eventPatternsIn(join(ROOT, 'services', service, 'src')).sort();
        expect(handled).toEqual([...CONSUMERS[service]].sort());
      },
    );

    it.each(Object.entries(PRODUCER_OF_TOPIC))('%s: its owner %s publishes with the ce_source the headers schema documents and consumers demand', (key, service) => {
      const owner = contracts.TOPIC_OWNERS[contracts.TOPICS[key as keyof typeof contracts.TOPICS]];
      expect(owner).toBe(`/techtransfer/${service}`);
      const appModule = readFileSync(join(ROOT, 'services', service, 'src/app.module.ts'), 'utf8');
      const sourceKey = (Object.keys(contracts.EVENT_SOURCES) as (keyof typeof contracts.EVENT_SOURCES)[]).find((k) => contracts.EVENT_SOURCES[k] === owner);
      expect(appModule).toContain(`source: EVENT_SOURCES.${sourceKey}`);
    });
  });
});

function topicKey(topic: string): keyof typeof PRODUCER_OF_TOPIC {
  return (Object.keys(contracts.TOPICS) as (keyof typeof contracts.TOPICS)[]).find((k) => contracts.TOPICS[k] === topic)!;
}

/** Event types named by `@EventPattern(XxxV1.type)` or `@EventPattern('cn.…')` (with or without extras, e.g. `DEDUPED_BY_EFFECT`) in a service's sources. */
function eventPatternsIn(dir: string): EventType[] {
  const found: EventType[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...eventPatternsIn(path));
    else if (name.endsWith('.ts') && !/\.(int-|e2e-)?spec\.ts$/.test(name)) {
      const source = readFileSync(path, 'utf8');
      for (const [, arg] of source.matchAll(/@EventPattern\(\s*([^,)]+?)\s*[,)]/g)) {
        const literal = /^['"](.+)['"]$/.exec(arg);
        const byName = /^(\w+)\.type$/.exec(arg);
        const type = literal?.[1] ?? (byName ? (contracts as Record<string, any>)[byName[1]]?.type : undefined);
        if (!type) throw new Error(`cannot read @EventPattern(${arg}) in ${path}`);
        found.push(type);
      }
    }
  }
  return found;
}
