import { loadServiceConfig, parseDuration } from '@tt/platform';

const base = loadServiceConfig('reporting', 3004);

export const config = {
  ...base,
  webhooks: {
    /** Retries wait 1 s, 2 s, 4 s, … up to this, per subscription (BullMQ backoff). */
    retryMaxSeconds: parseDuration(process.env.WEBHOOK_RETRY_MAX ?? '10m', 'WEBHOOK_RETRY_MAX'),
    /** A subscription whose endpoint has failed without a break for this long is disabled. */
    disableAfterSeconds: parseDuration(process.env.WEBHOOK_DISABLE_AFTER ?? '3d', 'WEBHOOK_DISABLE_AFTER'),
    /** One delivery's time limit. */
    timeoutSeconds: parseDuration(process.env.WEBHOOK_TIMEOUT ?? '10s', 'WEBHOOK_TIMEOUT'),
    /** After a rotation, the previous secret still signs (beside the new one) this long. */
    secretOverlapSeconds: parseDuration(process.env.WEBHOOK_SECRET_OVERLAP ?? '24h', 'WEBHOOK_SECRET_OVERLAP'),
    /** Plain-http endpoints: only outside production (tests and local runs post to localhost). */
    allowHttp: base.env !== 'production',
    /**
     * Targets allowed although internal (see webhooks/webhook-target.ts): comma-separated CIDRs,
     * addresses or host names, for on-premise receivers and tests. Empty by default: loopback,
     * private, link-local and the like are refused, in development as in production.
     */
    allowedTargets: (process.env.WEBHOOK_ALLOWED_TARGETS ?? '').split(',').filter((t) => t.trim() !== ''),
  },
};
