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

  /** Needs per stage (a need with several deals counts once per stage). */
  async counts(parkId?: string): Promise<Record<FunnelStage, number>> {
    const counts = await Promise.all(
      FUNNEL_STAGES.map((stage) => this.stages.countDocuments({ stage, ...(parkId ? { parkId } : {}) }).exec()),
    );
    return Object.fromEntries(FUNNEL_STAGES.map((stage, i) => [stage, counts[i]])) as Record<FunnelStage, number>;
  }
}
