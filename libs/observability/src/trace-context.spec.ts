import { childTraceparent, currentTraceparent, runWithTraceparent } from './trace-context';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe(childTraceparent.name, () => {
  it('keeps the trace id and flags of a valid parent, with a new span id', () => {
    const child = childTraceparent(parent);
    const [, traceId, spanId, flags] = TRACEPARENT.exec(child)!;
    expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(spanId).not.toBe('00f067aa0ba902b7');
    expect(flags).toBe('01');
    expect(childTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')).toMatch(/-00$/);
  });

  it.each([undefined, null, '', 'garbage', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', `${parent}-extra`, '00-123-456-01'])(
    'starts a new trace for %p',
    (bad) => {
      const child = childTraceparent(bad);
      expect(child).toMatch(TRACEPARENT);
      expect(child).not.toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    },
  );

  it('gives different trace ids to unrelated new traces', () => {
    expect(TRACEPARENT.exec(childTraceparent())![1]).not.toBe(TRACEPARENT.exec(childTraceparent())![1]);
  });
});

describe(runWithTraceparent.name, () => {
  it('makes the traceparent current for the work it runs, including across awaits', async () => {
    const seen = await runWithTraceparent(parent, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentTraceparent();
    });
    expect(seen).toBe(parent);
    expect(currentTraceparent()).not.toBe(parent);
    expect(currentTraceparent()).toMatch(TRACEPARENT);
  });
});
