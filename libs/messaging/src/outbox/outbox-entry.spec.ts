import { ZodError } from 'zod';
import { EVENT_EXAMPLES, type PayloadOf } from '@tt/contracts';
import { runWithTraceparent } from '@tt/observability';
import { decodeCloudEvent, encodeCloudEvent } from '../cloud-event.codec';
import { stageEvent, toCloudEvent } from './outbox-entry';

const accepted: PayloadOf<'cn.techtransfer.match.accepted.v1'> = EVENT_EXAMPLES['cn.techtransfer.match.accepted.v1'];
const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(stageEvent.name, () => {
  it('takes the topic and the key from the definition, and the traceparent of the work in progress', () => {
    const entry = runWithTraceparent(parent, () => stageEvent('cn.techtransfer.match.accepted.v1', accepted, '/techtransfer/matching'));
    expect(entry).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      type: 'cn.techtransfer.match.accepted.v1',
      topic: 'techtransfer.matching.match.v1',
      key: 'need-0001',
      source: '/techtransfer/matching',
      time: expect.any(String),
      traceparent: parent,
      data: accepted,
    });
    expect(new Date(entry.time).toISOString()).toBe(entry.time);
  });

  it('starts a trace when there is none, and gives every entry its own id', () => {
    const a = stageEvent('cn.techtransfer.match.accepted.v1', accepted, '/techtransfer/matching');
    const b = stageEvent('cn.techtransfer.match.accepted.v1', accepted, '/techtransfer/matching');
    expect(a.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.id).not.toBe(b.id);
  });

  it('throws on a payload that violates the contract, so the write that stages it fails', () => {
    const stage = (payload: unknown) => () => stageEvent('cn.techtransfer.match.accepted.v1', payload as never, '/techtransfer/matching');
    expect(stage({ ...accepted, score: 1.5 })).toThrow(ZodError);
    expect(stage({ ...accepted, enterpriseContact: '13800000000' })).toThrow(ZodError);
    const { needId: _, ...withoutKey } = accepted;
    expect(stage(withoutKey)).toThrow(ZodError);
  });

  it('stages an event that a consumer decodes back to the same data', () => {
    const entry = stageEvent('cn.techtransfer.match.accepted.v1', accepted, '/techtransfer/matching');
    const message = encodeCloudEvent(toCloudEvent(entry));
    const { event } = decodeCloudEvent({
      key: Buffer.from(message.key as string),
      value: Buffer.from(message.value as string),
      headers: message.headers,
    });
    expect(event).toEqual({ ...toCloudEvent(entry), subject: 'need-0001' });
  });
});
