import type { Model } from 'mongoose';
import type { MatchRun } from './proposal.schema';

/** The latest run: of the newest revision or catalogue change scored, else of the need as captured. */
export async function latestRunOf(runs: Model<MatchRun>, needId: string): Promise<MatchRun | null> {
  return (
    (await runs.findOne({ needId }, { outbox: 0 }).sort({ revision: -1, proposedAt: -1 }).lean().exec()) ??
    (await runs.findById(needId, { outbox: 0 }).lean().exec())
  );
}
