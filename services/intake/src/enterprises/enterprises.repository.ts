import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '@tt/store';
import { conflict, notFound, preconditionFailed } from '@tt/platform';
import { ENTERPRISE_MODEL, type Enterprise } from './enterprise.schema';
import { present, type EnterpriseView } from './enterprise-view';

/**
 * The enterprises collection: one record per credit code and park (the unique index), revisions as one
 * compare-and-set on the version read, and the reads, always within the caller's park.
 */
@Injectable()
export class EnterprisesRepository {
  constructor(@InjectModel(ENTERPRISE_MODEL) private readonly enterprises: Model<Enterprise>) {}

  /** Inserts the enterprise; the unique {parkId, creditCode} index refusing it answers 409. */
  async insert(enterprise: Omit<Enterprise, 'createdAt' | 'updatedAt'>): Promise<EnterpriseView> {
    try {
      const created = await this.enterprises.create(enterprise);
      return present(created.toObject());
    } catch (error) {
      if (isDuplicateKey(error)) {
        throw conflict(`an enterprise with credit code ${enterprise.creditCode} is already recorded in this park`);
      }
      throw error;
    }
  }

  /** The park's enterprise with this credit code, if it is recorded. */
  async findByCreditCode(creditCode: string, parkId: string): Promise<EnterpriseView | undefined> {
    const existing = await this.enterprises.findOne({ parkId, creditCode }).lean().exec();
    return existing ? present(existing as Enterprise) : undefined;
  }

  /** Another park's enterprise answers 404, exactly like one that does not exist. */
  async get(id: string, parkId: string): Promise<EnterpriseView> {
    const enterprise = await this.enterprises.findOne({ _id: id, parkId }).lean().exec();
    if (!enterprise) throw notFound('enterprise', id);
    return present(enterprise as Enterprise);
  }

  /** One compare-and-set on the version read (its ETag): a concurrent revision answers 412. */
  async revise(id: string, parkId: string, changes: Record<string, unknown>, expectedVersion: number): Promise<EnterpriseView> {
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
