import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { upsertOnce } from '@tt/messaging';
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
