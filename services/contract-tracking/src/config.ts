import { loadServiceConfig } from '@tt/platform';

export const config = loadServiceConfig('contract-tracking', 3003);
