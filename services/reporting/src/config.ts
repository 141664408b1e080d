import { loadServiceConfig } from '@tt/platform';

export const config = loadServiceConfig('reporting', 3004);
