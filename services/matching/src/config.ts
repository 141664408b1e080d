import { resolve } from 'node:path';
import { loadServiceConfig } from '@tt/platform';

export const config = {
  ...loadServiceConfig('matching', 3002),
  /** The catalogue loaded at start; the sample ships with the repo (paths are relative to the repo root). */
  cataloguePath: resolve(process.env.CATALOGUE_PATH ?? 'services/matching/catalogue/sample-catalogue.json'),
  /** How many candidates a need gets, and the least score worth proposing. */
  proposalsPerNeed: Number(process.env.PROPOSALS_PER_NEED ?? 5),
  minProposalScore: Number(process.env.MIN_PROPOSAL_SCORE ?? 0.05),
};

/** ioredis options from REDIS_URL (BullMQ needs maxRetriesPerRequest: null for its blocking commands). */
export function redisConnection(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    db: Number(u.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
}
