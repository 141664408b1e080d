import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { FUNNEL_MODEL, FUNNEL_STAGES, type FunnelNeed, type FunnelStage } from './funnel.schema';

@Injectable()
export class FunnelService {
  constructor(@InjectModel(FUNNEL_MODEL) private readonly funnel: Model<FunnelNeed>) {}

  /** Marks a need as having reached a stage; events of one need may arrive in any order across topics. */
  async reach(needId: string, parkId: string, stage: FunnelStage, at: string): Promise<void> {
    await this.funnel.updateOne({ _id: needId }, { $set: { parkId, [`${stage}At`]: new Date(at) } }, { upsert: true }).exec();
  }

  async counts(parkId?: string): Promise<Record<FunnelStage, number>> {
    const scope = parkId ? { parkId } : {};
    const counts = await Promise.all(
      FUNNEL_STAGES.map((stage) => this.funnel.countDocuments({ ...scope, [`${stage}At`]: { $exists: true } }).exec()),
    );
    return Object.fromEntries(FUNNEL_STAGES.map((stage, i) => [stage, counts[i]])) as Record<FunnelStage, number>;
  }
}
