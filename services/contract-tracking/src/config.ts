import { loadServiceConfig, parseDuration } from '@tt/platform';

export const config = {
  ...loadServiceConfig('contract-tracking', 3003),
  /** A deal at intent (no contract signed) this long raises a reminder to its broker. */
  dealIdleAtIntentAfterSeconds: parseDuration(process.env.DEAL_IDLE_AT_INTENT_AFTER ?? '30d', 'DEAL_IDLE_AT_INTENT_AFTER'),
  /** A signed contract not registered this long raises a reminder. */
  dealIdleAtSignedAfterSeconds: parseDuration(process.env.DEAL_IDLE_AT_SIGNED_AFTER ?? '60d', 'DEAL_IDLE_AT_SIGNED_AFTER'),
};
