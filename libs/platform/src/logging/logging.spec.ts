import pino from 'pino';
import { Writable } from 'node:stream';
import { runWithTraceparent } from '@tt/observability';
import { pinoOptions, scrub } from './logging';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino(pinoOptions('intake', 'debug'), stream), lines };
}

describe('logging', () => {
  it('redacts contacts, phones, e-mails and tokens by path', () => {
    const { logger, lines } = capture();
    logger.info({ need: { title: '芯片封装', contact: { name: '王工', phone: '13912345678' } }, phone: '13912345678', email: 'wang@example.com', token: 'abc' }, 'captured');
    const line = JSON.stringify(lines[0]);
    expect(line).not.toContain('13912345678');
    expect(line).not.toContain('wang@example.com');
    expect(line).not.toContain('"abc"');
    expect(line).not.toContain('王工');
    expect(lines[0]).toMatchObject({ service: 'intake', msg: 'captured', need: { title: '芯片封装', contact: '[redacted]' } });
  });

  it('scrubs phone numbers and tokens out of any text, errors included', () => {
    const { logger, lines } = capture();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    logger.warn(`call 13912345678 with Bearer ${jwt}`);
    logger.error({ err: new Error(`refused /needs?token=${jwt} for 15012345678`) }, 'failed');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/13912345678|15012345678|eyJhbGci/);
    expect(lines[0].msg).toBe('call 139****5678 with Bearer [redacted]');
    expect(scrub('order 2026320500123456 stays')).toBe('order 2026320500123456 stays'); // long numbers are not phones
  });

  it('puts the trace id of the request or event at hand on every line', () => {
    const { logger, lines } = capture();
    runWithTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(lines[1].traceId).toBeUndefined();
  });
});
