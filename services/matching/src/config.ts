import { resolve } from 'node:path';
import { loadServiceConfig, parseDuration } from '@tt/platform';

export const config = {
  ...loadServiceConfig('matching', 3002),
  /** The catalogue loaded at start; the sample ships with the repo (paths are relative to the repo root). */
  cataloguePath: resolve(process.env.CATALOGUE_PATH ?? 'services/matching/catalogue/sample-catalogue.json'),
  /** How many candidates a need gets, and the least score worth proposing (the kind rule alone gives 0.1: some evidence must add to it). */
  proposalsPerNeed: Number(process.env.PROPOSALS_PER_NEED ?? 5),
  minProposalScore: Number(process.env.MIN_PROPOSAL_SCORE ?? 0.12),
  /** Catalogue changes within this window are scored together, one job per open need (`2s`, `1m`). */
  catalogueRescoreWindowMs: parseDuration(process.env.CATALOGUE_RESCORE_WINDOW ?? '2s', 'CATALOGUE_RESCORE_WINDOW') * 1000,
  /** A proposal with no decision this long raises a reminder to the need's broker. */
  proposalIdleAfterSeconds: parseDuration(process.env.PROPOSAL_IDLE_AFTER ?? '7d', 'PROPOSAL_IDLE_AFTER'),
};
