import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { upsertOnce } from '@tt/store';
import { FUNNEL_MODEL, FUNNEL_STAGES, type FunnelStage, type FunnelStageRow } from './funnel.schema';

@Injectable()
export class FunnelService {
  constructor(@InjectModel(FUNNEL_MODEL) private readonly stages: Model<FunnelStageRow>) {}

  /** Records that a need reached a stage; idempotent, and events of one need may arrive in any order. */
  async reach(needId: string, parkId: string, stage: FunnelStage, at: string): Promise<void> {
    await upsertOnce(
      this.stages.updateOne({ _id: `${needId}/${stage}` }, { $setOnInsert: { needId, parkId, stage, reachedAt: new Date(at) } }, { upsert: true }).exec(),
    );
  }

  /** A deal of the need was signed: the need is contracted while this deal (or another) stands. */
  async contracted(needId: string, parkId: string, dealId: string, at: string): Promise<void> {
    await upsertOnce(
      this.stages
        .updateOne(
          { _id: `${needId}/contracted` },
          { $setOnInsert: { needId, parkId, stage: 'contracted', reachedAt: new Date(at) }, $addToSet: { dealIds: dealId } },
          { upsert: true },
        )
        .exec(),
    );
  }

  /**
   * A deal was cancelled (合作终止): it no longer makes its need contracted, and it is counted among
   * the cancellations. Both writes are idempotent ($pull, insert-if-absent), so a redelivery is harmless.
   */
  async dealCancelled(needId: string, parkId: string, dealId: string, at: string): Promise<void> {
    await this.stages.updateOne({ _id: `${needId}/contracted` }, { $pull: { dealIds: dealId } }).exec();
    await upsertOnce(
      this.stages
        .updateOne({ _id: `${dealId}/cancelled` }, { $setOnInsert: { needId, parkId, stage: 'cancelled', reachedAt: new Date(at) } }, { upsert: true })
        .exec(),
    );
  }

  /** A proposal the broker rejected: counted among its need's rejections (idempotent, one row per proposal). */
  async proposalRejected(needId: string, parkId: string, proposalId: string, at: string): Promise<void> {
    await upsertOnce(
      this.stages.updateOne({ _id: `${proposalId}/rejected` }, { $setOnInsert: { needId, parkId, stage: 'rejected', reachedAt: new Date(at) } }, { upsert: true }).exec(),
    );
  }

  /**
   * The funnel by the month needs were captured (a cohort): of the needs captured that month, how many
   * reached each stage by now, with conversion rates from capture, and the proposals rejected and deals
   * cancelled along the way. Rows whose need was captured before reporting saw it fall in no cohort.
   */
  async cohorts(year: number, parkId?: string) {
    const scope = parkId ? { parkId } : {};
    const captured = await this.stages
      .find({ ...scope, stage: 'captured', reachedAt: { $gte: new Date(`${year}-01-01T00:00:00+08:00`), $lt: new Date(`${year + 1}-01-01T00:00:00+08:00`) } }, { needId: 1, reachedAt: 1 })
      .lean()
      .exec();
    const cohortOf = new Map(captured.map((r) => [r.needId, monthInChina(r.reachedAt)]));
    const later = await this.stages
      .find({ ...scope, needId: { $in: [...cohortOf.keys()] }, stage: { $ne: 'captured' } }, { needId: 1, stage: 1, dealIds: 1 })
      .lean()
      .exec();
    type Row = Record<FunnelStage | 'rejectedProposals' | 'cancelledDeals', number>;
    const rows = new Map<string, Row>();
    const rowOf = (cohort: string) => {
      if (!rows.has(cohort)) rows.set(cohort, { captured: 0, matched: 0, accepted: 0, contracted: 0, registered: 0, rejectedProposals: 0, cancelledDeals: 0 });
      return rows.get(cohort)!;
    };
    for (const cohort of cohortOf.values()) rowOf(cohort).captured++;
    for (const r of later) {
      const row = rowOf(cohortOf.get(r.needId)!);
      if (r.stage === 'rejected') row.rejectedProposals++;
      else if (r.stage === 'cancelled') row.cancelledDeals++;
      else if (r.stage === 'contracted') row.contracted += r.dealIds === undefined || r.dealIds.length > 0 ? 1 : 0;
      else row[r.stage as FunnelStage]++;
    }
    const rate = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);
    return [...rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cohort, row]) => ({
        cohort,
        ...row,
        conversion: { matched: rate(row.matched, row.captured), accepted: rate(row.accepted, row.captured), contracted: rate(row.contracted, row.captured), registered: rate(row.registered, row.captured) },
      }));
  }

  /** Needs per stage (a need with several deals counts once per stage), and cancelled deals. */
  async counts(parkId?: string): Promise<Record<FunnelStage | 'cancelledDeals', number>> {
    const scope = parkId ? { parkId } : {};
    const stillStanding = { $or: [{ dealIds: { $exists: false } }, { 'dealIds.0': { $exists: true } }] };
    const counts = await Promise.all([
      ...FUNNEL_STAGES.map((stage) =>
        this.stages.countDocuments({ stage, ...scope, ...(stage === 'contracted' ? stillStanding : {}) }).exec(),
      ),
      this.stages.countDocuments({ stage: 'cancelled', ...scope }).exec(),
    ]);
    return {
      ...(Object.fromEntries(FUNNEL_STAGES.map((stage, i) => [stage, counts[i]])) as Record<FunnelStage, number>),
      cancelledDeals: counts[FUNNEL_STAGES.length],
    };
  }
}

/** The month (YYYY-MM) of an instant in China Standard Time, where the needs were captured. */
function monthInChina(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 7);
}
