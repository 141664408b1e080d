import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '@tt/store';
import { findRegion } from '@tt/contracts';
import { conflict, entityTag, invalid, notFound, preconditionFailed, type Principal } from '@tt/platform';
import type { CreateEnterpriseDto, ReviseEnterpriseDto } from './enterprise.dto';
import { ENTERPRISE_MODEL, type Enterprise } from './enterprise.schema';

@Injectable()
export class EnterprisesService {
  constructor(@InjectModel(ENTERPRISE_MODEL) private readonly enterprises: Model<Enterprise>) {}

  async create(dto: CreateEnterpriseDto, broker: Principal & { parkId: string }): Promise<EnterpriseView> {
    try {
      const created = await this.enterprises.create({
        _id: randomUUID(),
        parkId: broker.parkId,
        name: dto.name,
        creditCode: dto.creditCode,
        regionCode: dto.regionCode,
        industryCode: dto.industryCode,
        qualifications: dto.qualifications ?? [],
        createdBy: broker.subject,
        version: 0,
      });
      return present(created.toObject());
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw conflict(`an enterprise with credit code ${dto.creditCode} is already recorded in this park`);
      }
      throw error;
    }
  }

  /** The park's enterprise with this credit code, if it is recorded. */
  async findByCreditCode(creditCode: string, parkId: string): Promise<EnterpriseView | undefined> {
    const existing = await this.enterprises.findOne({ parkId, creditCode }).lean().exec();
    return existing ? present(existing as Enterprise) : undefined;
  }

  /**
   * The park's enterprise with this credit code (one per park, by the unique index), created from the
   * row when there is none yet. Two imports racing on the same new enterprise: one insert wins, the
   * other reads it.
   */
  async findOrCreate(dto: CreateEnterpriseDto, broker: Principal & { parkId: string }): Promise<{ enterprise: EnterpriseView; created: boolean }> {
    const existing = await this.findByCreditCode(dto.creditCode, broker.parkId);
    if (existing) return { enterprise: existing, created: false };
    try {
      return { enterprise: await this.create(dto, broker), created: true };
    } catch (error) {
      const now = await this.enterprises.findOne({ parkId: broker.parkId, creditCode: dto.creditCode }).lean().exec();
      if (now) return { enterprise: present(now as Enterprise), created: false };
      throw error;
    }
  }

  /** Another park's enterprise answers 404, exactly like one that does not exist. */
  async get(id: string, parkId: string): Promise<EnterpriseView> {
    const enterprise = await this.enterprises.findOne({ _id: id, parkId }).lean().exec();
    if (!enterprise) throw notFound('enterprise', id);
    return present(enterprise as Enterprise);
  }

  /** One compare-and-set on the version read (its ETag): a concurrent revision answers 412. */
  async revise(id: string, dto: ReviseEnterpriseDto, parkId: string, expectedVersion: number): Promise<EnterpriseView> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined && v !== null));
    if (Object.keys(changes).length === 0) throw invalid([{ pointer: '', reason: 'send at least one field to change' }]);
    const guard = expectedVersion === 0 ? { $or: [{ version: 0 }, { version: { $exists: false } }] } : { version: expectedVersion };
    const updated = await this.enterprises
      .findOneAndUpdate({ _id: id, parkId, ...guard }, { $set: changes, $inc: { version: 1 } }, { new: true })
      .lean()
      .exec();
    if (!updated) {
      const current = await this.get(id, parkId); // 404 when absent
      throw preconditionFailed(current.version ?? 0);
    }
    return present(updated as Enterprise);
  }

  async list(parkId: string, page: number, pageSize: number) {
    const [items, total] = await Promise.all([
      this.enterprises.find({ parkId }).sort({ name: 1, _id: 1 }).skip((page - 1) * pageSize).limit(pageSize).lean().exec(),
      this.enterprises.countDocuments({ parkId }).exec(),
    ]);
    return { items: items.map((e) => present(e as Enterprise)), page, pageSize, total };
  }
}

export type EnterpriseView = Omit<Enterprise, '_id'> & { id: string; regionName: string | null; etag: string };

/** The API shape, with the region's full name (浙江省宁波市北仑区) and the ETag. */
function present({ _id, ...rest }: Enterprise): EnterpriseView {
  return { id: _id, ...rest, regionName: findRegion(rest.regionCode)?.fullName ?? null, etag: entityTag(rest.version ?? 0) };
}
