import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
import { EventOutbox } from '@tt/messaging';
import { isDuplicateKey } from '@tt/store';
import { invalid, ProblemException, type FollowUpDto } from '@tt/platform';
import type { EnterpriseView } from '../enterprises/enterprise-view';
import { EnterprisesService } from '../enterprises/enterprises.service';
import type { CreateNeedDto, ListNeedsQuery } from './need.dto';
import { needRuleParams, optionalNeedState } from './need-fields';
import type { Need } from './need.schema';
import { present, type NeedView } from './need-view';
import { NeedsRepository } from './needs.repository';

type Broker = { subject: string; parkId: string };

/** The need's capture: from the API (with an optional Idempotency-Key) or from a row of an import. */
@Injectable()
export class NeedsService {
  constructor(
    private readonly repository: NeedsRepository,
    private readonly enterprises: EnterprisesService,
    private readonly outbox: EventOutbox,
  ) {}

  /**
   * Stores the need and its need-captured event in one document write (see OutboxRelay). With an
   * idempotency key the need's id is derived from (park, broker, key), so a retried request meets
   * the need it created before, whichever instance served the first try.
   */
  async capture(dto: CreateNeedDto, broker: Broker, idempotencyKey?: string): Promise<{ need: NeedView; replayed: boolean }> {
    const enterprise = await this.enterprises.get(dto.enterpriseId, broker.parkId).catch((error: unknown) => {
      if (error instanceof HttpException && error.getStatus() === 404) return undefined;
      throw error;
    });
    // One answer naming every field at fault: the enterprise, and the rules between the need's fields.
    const problems = [
      ...(enterprise ? [] : [{ pointer: '/enterpriseId', reason: 'no enterprise with this id in your park' }]),
      ...needRuleParams(dto, enterprise?.qualifications),
    ];
    if (!enterprise || problems.length > 0) throw invalid(problems);
    // Keys sorted: the same body in another key order is the same request.
    const fingerprint = idempotencyKey === undefined ? undefined : sha256(stableStringify(dto) ?? '');
    const needId = idempotencyKey === undefined ? randomUUID() : uuidFrom(`${broker.parkId}|${broker.subject}|${idempotencyKey}`);
    let need;
    try {
      need = await this.insert(needId, dto, enterprise, broker, fingerprint && idempotencyKey ? { request: { idempotencyKey, fingerprint } } : {});
    } catch (error) {
      if (!fingerprint || !isDuplicateKey(error)) throw error;
      return { need: await this.replay(needId, broker.parkId, fingerprint), replayed: true };
    }
    return { need: present(need), replayed: false };
  }

  /**
   * Needs from rows of a 需求征集表 import, already validated with the same rules as the API, in one
   * write. Each need's id is derived from the park and the row's content, so the same row uploaded
   * again (in this file or a later one) meets the need it created: `created` false, nothing new written,
   * and `importId` the import that did create it.
   */
  async captureImported(rows: { dto: CreateNeedDto; enterprise: EnterpriseView }[], broker: Broker, importId: string): Promise<{ needId: string; created: boolean; importId?: string }[]> {
    const docs = rows.map(({ dto, enterprise }) =>
      this.documentOf(uuidFrom(`${broker.parkId}|import|${enterprise.creditCode}|${sha256(stableStringify({ ...dto, enterpriseId: undefined }) ?? '')}`), dto, enterprise, broker, { importId }),
    );
    const written = await this.repository.insertCapturedMany(docs);
    const importIds = await this.repository.importIdsOf(docs.filter((_, i) => !written[i]).map((doc) => doc._id));
    return docs.map(({ _id }, i) => (written[i] ? { needId: _id, created: true } : { needId: _id, created: false, importId: importIds.get(_id) }));
  }

  /** The need and its need-captured event, in one document write (see OutboxRelay). */
  private async insert(needId: string, dto: CreateNeedDto, enterprise: EnterpriseView, broker: Broker, extra: Partial<Need>): Promise<Need> {
    return this.repository.insertCaptured(this.documentOf(needId, dto, enterprise, broker, extra));
  }

  /** A new need's document, with its need-captured event staged in its outbox. */
  private documentOf(needId: string, dto: CreateNeedDto, enterprise: EnterpriseView, broker: Broker, extra: Partial<Need>): Omit<Need, 'createdAt' | 'updatedAt'> {
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
      ...optionalNeedState(dto, enterprise.qualifications),
      capturedAt: new Date().toISOString(),
    });
    return {
      _id: needId,
      ...extra,
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
      supplyKinds: dto.supplyKinds,
      minTrl: dto.minTrl,
      neededWithinMonths: dto.neededWithinMonths,
      preferredRegionCodes: dto.preferredRegionCodes,
      excludedRegionCodes: dto.excludedRegionCodes,
      hardConstraints: dto.hardConstraints,
      contact: { name: dto.contact.name, phone: dto.contact.phone, email: dto.contact.email },
      status: 'open',
      version: 0,
      revision: 0,
      history: [{ status: 'open', at: new Date(), cause: 'captured' }],
      outbox: [captured],
    };
  }

  /** The need a request with this idempotency key created, if the body is the same. */
  private async replay(needId: string, parkId: string, fingerprint: string): Promise<NeedView> {
    const existing = await this.repository.findInPark(needId, parkId);
    if (!existing) throw new Error(`need ${needId} exists but not in park ${parkId}`); // the id includes the park
    if (existing.request?.fingerprint !== fingerprint) {
      throw new ProblemException({
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        title: 'Unprocessable Entity',
        type: '/problems/idempotency-key-reused',
        detail: 'This Idempotency-Key was already used with a different request body.',
      });
    }
    return present(existing);
  }

  /** Logs a follow-up on the need (no event: it is the broker's own record, not a change of the need). */
  async logFollowUp(id: string, dto: FollowUpDto, broker: Broker) {
    return this.repository.logFollowUp(id, dto, broker);
  }

  async get(id: string, parkId: string) {
    return this.repository.get(id, parkId);
  }

  async list(parkId: string, query: ListNeedsQuery) {
    return this.repository.list(parkId, query);
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A UUID (version 8, name-based) from a name: the same key always gives the same need id. */
function uuidFrom(name: string): string {
  const h = sha256(name);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
