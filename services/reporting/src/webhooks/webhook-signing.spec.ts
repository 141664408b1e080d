import { Webhook } from 'standardwebhooks';
import { liveSecrets, newSigningSecret, signedHeaders } from './webhook-signing';

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({ type: 'cn.techtransfer.transaction.logged.v2', timestamp: '2026-11-24T08:00:00.000Z', data: { id: '7' } });

  it('signs so that the reference verifier accepts it, and rejects a changed body or another secret', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signedHeaders('evt-1', body, [{ secret, createdAt: new Date() }]);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('7', '8'), headers)).toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
  });

  it('signs with every live secret during a rotation, and not with an expired one', () => {
    const [old, current, expired] = [newSigningSecret(), newSigningSecret(), newSigningSecret()];
    const now = new Date();
    const secrets = liveSecrets(
      [
        { secret: current, createdAt: now },
        { secret: old, createdAt: now, expiresAt: new Date(now.getTime() + 3_600_000) },
        { secret: expired, createdAt: now, expiresAt: new Date(now.getTime() - 1) },
      ],
      now,
    );
    const headers = signedHeaders('evt-2', body, secrets);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(old).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(expired).verify(body, headers)).toThrow();
  });

  it('is refused by the verifier when the timestamp is outside its tolerance (a replay)', () => {
    const secret = newSigningSecret();
    const headers = signedHeaders('evt-3', body, [{ secret, createdAt: new Date() }], new Date(Date.now() - 10 * 60_000));
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/timestamp/i);
  });
});
