import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SigningSecret } from './webhook.schema';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes, base64. */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The secrets that sign now: the current one, and a rotated-out one until its overlap ends. */
export const liveSecrets = (secrets: SigningSecret[], now = new Date()): SigningSecret[] =>
  secrets.filter((s) => !s.expiresAt || s.expiresAt > now);

/**
 * The three Standard Webhooks headers. `webhook-signature` lists one `v1,<base64 HMAC-SHA256>` of
 * `<id>.<timestamp>.<body>` per live secret, space-separated, so a receiver still holding the previous
 * secret verifies during a rotation.
 */
export function signedHeaders(webhookId: string, body: string, secrets: SigningSecret[], at = new Date()): Record<string, string> {
  const timestamp = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': secrets.map((s) => new Webhook(s.secret).sign(webhookId, timestamp, body)).join(' '),
  };
}
