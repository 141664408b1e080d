import type { IHeaders } from 'kafkajs';
import { EVENT_EXAMPLES } from '@tt/contracts';
import { CE_HEADERS, InvalidEventError, decodeCloudEvent, encodeCloudEvent, headerText, type CloudEvent } from './cloud-event.codec';

const need = EVENT_EXAMPLES['cn.techtransfer.need.captured.v1'];

const event: CloudEvent = {
  id: '6f1c2a1e-8d2b-4d3c-9a53-1e1b1f0f6a11',
  type: 'cn.techtransfer.need.captured.v1',
  source: '/techtransfer/intake',
  subject: 'need-0001',
  time: '2025-03-01T01:30:00.000Z',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  data: need,
};

/** What kafkajs hands a consumer: key, value and header values as Buffers. */
function asReceived(message: { key?: unknown; value: unknown; headers?: IHeaders }) {
  const buffer = (v: unknown) => (v === null || v === undefined ? null : Buffer.from(String(v)));
  return {
    key: buffer(message.key),
    value: buffer(message.value),
    headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
  };
}

function decodeError(message: Parameters<typeof decodeCloudEvent>[0]): InvalidEventError {
  try {
    decodeCloudEvent(message);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('decodeCloudEvent accepted the message');
}

describe(encodeCloudEvent.name, () => {
  it('writes the CloudEvents attributes as ce_* headers (binary mode), the subject as key and the data as JSON', () => {
    const message = encodeCloudEvent(event);
    expect(message.key).toBe('need-0001');
    expect(JSON.parse(message.value as string)).toEqual(need);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: event.type,
      ce_source: event.source,
      ce_subject: 'need-0001',
      ce_time: event.time,
      'content-type': 'application/json',
      traceparent: event.traceparent,
    });
    expect(Object.keys(message.headers!).sort()).toEqual(Object.values(CE_HEADERS).sort());
  });
});

describe(decodeCloudEvent.name, () => {
  const received = () => asReceived(encodeCloudEvent(event));

  it('reads back what encodeCloudEvent wrote, with the definition of its type', () => {
    const { event: decoded, definition } = decodeCloudEvent(received());
    expect(decoded).toEqual(event);
    expect(definition.type).toBe(event.type);
    expect(definition.topic).toBe('techtransfer.intake.need.v1');
  });

  it('keeps Chinese text intact through UTF-8 buffers', () => {
    expect((decodeCloudEvent(received()).event.data as typeof need).enterpriseName).toBe('杭州芯动电控有限公司');
  });

  it('falls back to the record key when ce_subject is missing', () => {
    const message = received();
    delete message.headers.ce_subject;
    expect(decodeCloudEvent(message).event.subject).toBe('need-0001');
  });

  it.each(['ce_specversion', 'ce_id', 'ce_type', 'ce_source'])('rejects a record without %s as invalid-envelope', (header) => {
    const message = received();
    delete message.headers[header];
    expect(decodeError(message).reason).toBe('invalid-envelope');
  });

  it('rejects another CloudEvents version as invalid-envelope', () => {
    const message = received();
    message.headers.ce_specversion = Buffer.from('0.3');
    expect(decodeError(message).reason).toBe('invalid-envelope');
  });

  it('rejects a record without headers as invalid-envelope', () => {
    expect(decodeError({ key: null, value: Buffer.from('{}') }).reason).toBe('invalid-envelope');
  });

  it('rejects a type that is not in the contracts as unknown-type', () => {
    const message = received();
    message.headers.ce_type = Buffer.from('cn.techtransfer.need.deleted.v1');
    const error = decodeError(message);
    expect(error.reason).toBe('unknown-type');
    expect(error.message).toContain('cn.techtransfer.need.deleted.v1');
  });

  it('rejects a payload that violates the schema as schema-violation, naming the field', () => {
    const message = asReceived(encodeCloudEvent({ ...event, data: { ...need, regionCode: '33010' } }));
    const error = decodeError(message);
    expect(error.reason).toBe('schema-violation');
    expect(error.message).toContain('regionCode');
  });

  it('rejects unknown payload fields as schema-violation', () => {
    const message = asReceived(encodeCloudEvent({ ...event, data: { ...need, contactPhone: '13800000000' } }));
    expect(decodeError(message).reason).toBe('schema-violation');
  });

  it.each([
    ['not JSON', Buffer.from('{"needId": ')],
    ['empty', Buffer.from('')],
    ['a tombstone', null],
  ])('rejects a value that is %s as invalid-envelope', (_, value) => {
    expect(decodeError({ ...received(), value }).reason).toBe('invalid-envelope');
  });
});

describe(headerText.name, () => {
  it('reads Buffers, strings and the first of repeated headers', () => {
    expect(headerText({ a: Buffer.from('x') }, 'a')).toBe('x');
    expect(headerText({ a: 'y' }, 'a')).toBe('y');
    expect(headerText({ a: [Buffer.from('1'), Buffer.from('2')] }, 'a')).toBe('1');
    expect(headerText({}, 'a')).toBeUndefined();
    expect(headerText(undefined, 'a')).toBeUndefined();
  });
});
