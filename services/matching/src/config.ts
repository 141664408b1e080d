import { resolve } from 'node:path';
import { z } from 'zod';
import { durationSetting, loadServiceConfig, loadServiceSettings } from '@tt/platform';

const settings = loadServiceSettings('matching', {
  /** The catalogue loaded at start; the sample ships with the repo (paths are relative to the repo root). */
  CATALOGUE_PATH: z.string().min(1).default('services/matching/catalogue/sample-catalogue.json'),
  /** How many candidates a need gets. */
  PROPOSALS_PER_NEED: z.coerce.number().int().min(1).max(50).default(5),
  /** The least score worth proposing (the kind rule alone gives 0.1: some evidence must add to it). */
  MIN_PROPOSAL_SCORE: z.coerce.number().min(0).max(1).default(0.12),
  /** Catalogue changes within this window are scored together, one job per open need (`2s`, `1m`). */
  CATALOGUE_RESCORE_WINDOW: durationSetting('2s'),
  /** Scoring jobs each instance runs at once (each mostly waits on the store and Redis: five round trips one after another). */
  SCORING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
  /**
   * The ranking worker's heap cap, in MiB (its old generation): the model over 100,000 items takes
   * about 72 MiB, twice that while a rebuild replaces it, plus the items read for the rebuild.
   */
  RANKING_WORKER_HEAP_MB: z.coerce.number().int().min(64).max(16384).default(1024),
  /** A proposal with no decision this long raises a reminder to the need's broker. */
  PROPOSAL_IDLE_AFTER: durationSetting('7d'),
});

export const config = {
  ...loadServiceConfig('matching', 3002),
  cataloguePath: resolve(settings.CATALOGUE_PATH),
  proposalsPerNeed: settings.PROPOSALS_PER_NEED,
  minProposalScore: settings.MIN_PROPOSAL_SCORE,
  catalogueRescoreWindowMs: settings.CATALOGUE_RESCORE_WINDOW * 1000,
  proposalIdleAfterSeconds: settings.PROPOSAL_IDLE_AFTER,
  scoringConcurrency: settings.SCORING_CONCURRENCY,
  rankingWorkerHeapMb: settings.RANKING_WORKER_HEAP_MB,
};
