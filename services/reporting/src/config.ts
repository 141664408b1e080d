import { z } from 'zod';
import { durationSetting, loadServiceConfig, loadServiceSettings } from '@tt/platform';

const base = loadServiceConfig('reporting', 3004);
const settings = loadServiceSettings('reporting', {
  /** Retries wait 1 s, 2 s, 4 s, … up to this, per subscription (BullMQ backoff). */
  WEBHOOK_RETRY_MAX: durationSetting('10m'),
  /** A subscription whose endpoint has failed without a break for this long is disabled. */
  WEBHOOK_DISABLE_AFTER: durationSetting('3d'),
  /** One delivery's time limit. */
  WEBHOOK_TIMEOUT: durationSetting('10s'),
  /** After a rotation, the previous secret still signs (beside the new one) this long. */
  WEBHOOK_SECRET_OVERLAP: durationSetting('24h'),
  /**
   * Targets allowed although internal (see webhooks/webhook-target.ts): comma-separated CIDRs,
   * addresses or host names, for on-premise receivers and tests. Empty by default: loopback,
   * private, link-local and the like are refused, in development as in production.
   */
  WEBHOOK_ALLOWED_TARGETS: z.string().default(''),
  /** How often the roll-up sweep takes in transaction rows left pending (see totals/rollup-sweep.ts). */
  ROLLUP_SWEEP_EVERY: durationSetting('30s'),
  /** How often every transaction row is checked against the roll-ups (also once at each start). */
  ROLLUP_RECONCILE_EVERY: durationSetting('1h'),
  /** The dashboard's static files (relative to the repo root). */
  DASHBOARD_DIR: z.string().min(1).default('services/reporting/dashboard'),
});

export const config = {
  ...base,
  dashboardDir: settings.DASHBOARD_DIR,
  rollups: { sweepEverySeconds: settings.ROLLUP_SWEEP_EVERY, reconcileEverySeconds: settings.ROLLUP_RECONCILE_EVERY },
  webhooks: {
    retryMaxSeconds: settings.WEBHOOK_RETRY_MAX,
    disableAfterSeconds: settings.WEBHOOK_DISABLE_AFTER,
    timeoutSeconds: settings.WEBHOOK_TIMEOUT,
    secretOverlapSeconds: settings.WEBHOOK_SECRET_OVERLAP,
    /** Plain-http endpoints: only outside production (tests and local runs post to localhost). */
    allowHttp: base.env !== 'production',
    allowedTargets: settings.WEBHOOK_ALLOWED_TARGETS.split(',').filter((t) => t.trim() !== ''),
  },
};
