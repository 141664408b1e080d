import { loadServiceConfig } from '@tt/platform';

export const config = loadServiceConfig('intake', 3001);
