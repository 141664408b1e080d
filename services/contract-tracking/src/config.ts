import { durationSetting, loadServiceConfig, loadServiceSettings } from '@tt/platform';

const settings = loadServiceSettings('contract-tracking', {
  /** A deal at intent (no contract signed) this long raises a reminder to its broker. */
  DEAL_IDLE_AT_INTENT_AFTER: durationSetting('30d'),
  /** A signed contract not registered this long raises a reminder. */
  DEAL_IDLE_AT_SIGNED_AFTER: durationSetting('60d'),
});

export const config = {
  ...loadServiceConfig('contract-tracking', 3003),
  dealIdleAtIntentAfterSeconds: settings.DEAL_IDLE_AT_INTENT_AFTER,
  dealIdleAtSignedAfterSeconds: settings.DEAL_IDLE_AT_SIGNED_AFTER,
};
