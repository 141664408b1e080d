import { HttpException, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { Model } from 'mongoose';
import { EventOutbox } from '@tt/messaging';
import { invalid, notFound } from '@tt/platform';
import { EnterprisesService } from '../enterprises/enterprises.service';
import type { CreateNeedDto, ListNeedsQuery } from './need.dto';
import { NEED_MODEL, type Need } from './need.schema';

type Broker = { subject: string; parkId: string };

@Injectable()
export class NeedsService {
  constructor(
    @InjectModel(NEED_MODEL) private readonly needs: Model<Need>,
    private readonly enterprises: EnterprisesService,
    private readonly outbox: EventOutbox,
  ) {}

  /** Stores the need and its need-captured event in one document write (see OutboxRelay). */
  async capture(dto: CreateNeedDto, broker: Broker) {
    if (dto.budgetMinFen !== undefined && dto.budgetMaxFen !== undefined && dto.budgetMinFen > dto.budgetMaxFen) {
      throw invalid([{ pointer: '/budgetMinFen', reason: 'budgetMinFen must not exceed budgetMaxFen' }]);
    }
    const enterprise = await this.enterprises.get(dto.enterpriseId, broker.parkId).catch((error: unknown) => {
      if (error instanceof HttpException && error.getStatus() === 404) {
        throw invalid([{ pointer: '/enterpriseId', reason: 'no enterprise with this id in your park' }]);
      }
      throw error;
    });
    const needId = randomUUID();
    const confidentiality = dto.confidentiality ?? 'park-only';
    const keywords = dto.keywords ?? [];
    const captured = this.outbox.stage('cn.techtransfer.need.captured.v1', {
      needId,
      enterpriseId: enterprise.id,
      enterpriseName: enterprise.name,
      parkId: broker.parkId,
      brokerId: broker.subject,
      regionCode: enterprise.regionCode,
      ...(enterprise.industryCode ? { industryCode: enterprise.industryCode } : {}),
      title: dto.title,
      description: dto.description,
      category: dto.category,
      technicalField: dto.technicalField,
      keywords,
      ...(dto.budgetMinFen !== undefined ? { budgetMinFen: dto.budgetMinFen } : {}),
      ...(dto.budgetMaxFen !== undefined ? { budgetMaxFen: dto.budgetMaxFen } : {}),
      cooperationModes: dto.cooperationModes,
      confidentiality,
      capturedAt: new Date().toISOString(),
    });
    const need = await this.needs.create({
      _id: needId,
      parkId: broker.parkId,
      enterpriseId: enterprise.id,
      brokerId: broker.subject,
      title: dto.title,
      description: dto.description,
      category: dto.category,
      technicalField: dto.technicalField,
      keywords,
      budgetMinFen: dto.budgetMinFen,
      budgetMaxFen: dto.budgetMaxFen,
      cooperationModes: dto.cooperationModes,
      confidentiality,
      contact: { name: dto.contact.name, phone: dto.contact.phone, email: dto.contact.email },
      status: 'open',
      outbox: [captured],
    });
    this.outbox.flush(this.needs, needId);
    return present(need.toObject());
  }

  async get(id: string, parkId: string) {
    const need = await this.needs.findOne({ _id: id, parkId }, { outbox: 0 }).lean().exec();
    if (!need) throw notFound('need', id);
    return present(need as Need);
  }

  async list(parkId: string, query: ListNeedsQuery) {
    const filter: Record<string, string> = { parkId };
    if (query.category) filter.category = query.category;
    if (query.technicalField) filter.technicalField = query.technicalField;
    if (query.enterpriseId) filter.enterpriseId = query.enterpriseId;
    const [items, total] = await Promise.all([
      this.needs
        .find(filter, { outbox: 0 })
        .sort({ createdAt: -1, _id: 1 })
        .skip((query.page - 1) * query.pageSize)
        .limit(query.pageSize)
        .lean()
        .exec(),
      this.needs.countDocuments(filter).exec(),
    ]);
    return { items: items.map((n) => present(n as Need)), page: query.page, pageSize: query.pageSize, total };
  }
}

/** The API shape: `id` instead of `_id`, and no outbox internals. */
function present(need: Need) {
  const { _id, outbox: _outbox, ...rest } = need;
  return { id: _id, ...rest };
}
