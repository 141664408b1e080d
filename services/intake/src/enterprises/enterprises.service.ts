import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { invalid, type Principal } from '@tt/platform';
import type { CreateEnterpriseDto, ReviseEnterpriseDto } from './enterprise.dto';
import type { EnterpriseView } from './enterprise-view';
import { EnterprisesRepository } from './enterprises.repository';

/** The enterprise's use cases: recorded by a broker or by an import row, revised, read within the park. */
@Injectable()
export class EnterprisesService {
  constructor(private readonly repository: EnterprisesRepository) {}

  async create(dto: CreateEnterpriseDto, broker: Principal & { parkId: string }): Promise<EnterpriseView> {
    return this.repository.insert({
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
  }

  /** The park's enterprise with this credit code, if it is recorded. */
  async findByCreditCode(creditCode: string, parkId: string): Promise<EnterpriseView | undefined> {
    return this.repository.findByCreditCode(creditCode, parkId);
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
      const now = await this.repository.findByCreditCode(dto.creditCode, broker.parkId);
      if (now) return { enterprise: now, created: false };
      throw error;
    }
  }

  /** Another park's enterprise answers 404, exactly like one that does not exist. */
  async get(id: string, parkId: string): Promise<EnterpriseView> {
    return this.repository.get(id, parkId);
  }

  /** One compare-and-set on the version read (its ETag): a concurrent revision answers 412. */
  async revise(id: string, dto: ReviseEnterpriseDto, parkId: string, expectedVersion: number): Promise<EnterpriseView> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined && v !== null));
    if (Object.keys(changes).length === 0) throw invalid([{ pointer: '', reason: 'send at least one field to change' }]);
    return this.repository.revise(id, parkId, changes, expectedVersion);
  }

  async list(parkId: string, page: number, pageSize: number) {
    return this.repository.list(parkId, page, pageSize);
  }
}
