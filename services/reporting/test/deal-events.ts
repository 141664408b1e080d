import { randomUUID } from 'node:crypto';
import { regionName, type ContractType, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import type { CloudEvent } from '@tt/messaging';
import { MediumTier, registration, registrationNumber, signature } from '@tt/testing';

/**
 * The deal events reporting consumes, as contract-tracking publishes them for one deal
 * (services/contract-tracking/src/deals/deals.service.ts): opened, signed, then the registration
 * as four events in one write (contract registered v1 and v2, transaction logged v1 and v2, the
 * transaction id being the deal id), then corrections, amendments and revocations, each at the next
 * revision, reversing the record as it stands. The contract is the broker requests' chip-design
 * contract (libs/testing/src/broker-requests.ts): a Suzhou enterprise buys, a Beijing institute sells.
 */
type Corrected = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
type Revoked = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;
/** Who the deal is between and where it is counted: repeated on every deal event. */
export type DealContext = Pick<Revoked, 'dealId' | 'needId' | 'parkId' | 'brokerId' | 'enterpriseId' | 'regionCode' | 'technicalField'>;

export interface DealTerms {
  parkId: string;
  /** 合同成交额 and 技术交易额 as signed, in fen. */
  contractAmountFen: number;
  techTransactionAmountFen: number;
  /** The 技术交易额 the registry accepted, when below what was signed. */
  registeredTechTransactionAmountFen?: number;
  contractType?: ContractType;
  registeredOn?: string;
  /** The enterprise's region (the deal context's, which `byRegion` groups by). */
  regionCode?: string;
}

export class DealEvents {
  readonly dealId = randomUUID();
  readonly context: DealContext;
  readonly supplyId = `inst-${randomUUID().slice(0, 8)}`;
  /** The registry record as first registered (revision 0). */
  readonly registered: RegistryRecord;
  /** The record as it stands now, and its revision: what the next change reverses and follows. */
  standing: RegistryRecord;
  revision = 0;
  private readonly signedOn: string;

  constructor(readonly terms: DealTerms) {
    this.context = {
      dealId: this.dealId,
      needId: `need-${randomUUID()}`,
      parkId: terms.parkId,
      brokerId: `broker-${terms.parkId}`,
      enterpriseId: `ent-${randomUUID().slice(0, 8)}`,
      regionCode: terms.regionCode ?? '320506',
      technicalField: 'electronic-information',
    };
    const contractType = terms.contractType ?? 'development';
    const signed = signature(terms.contractAmountFen, terms.techTransactionAmountFen, contractType);
    this.signedOn = signed.signedOn;
    const registeredOn = terms.registeredOn ?? '2026-11-22';
    const number = registrationNumber(registeredOn.slice(0, 4));
    const registry = registration(number, registeredOn);
    const office = number.slice(4, 10);
    this.registered = {
      registrationNumber: number,
      registryOffice: { regionCode: office, name: `${regionName(office)}技术合同登记机构` },
      registeredOn,
      signedOn: signed.signedOn,
      contractType,
      contractSubtype: signed.contractSubtype as RegistryRecord['contractSubtype'],
      parties: signed.parties as RegistryRecord['parties'],
      registryTechnicalField: registry.registryTechnicalField as RegistryRecord['registryTechnicalField'],
      ipType: registry.ipType as RegistryRecord['ipType'],
      socioeconomicObjective: registry.socioeconomicObjective as RegistryRecord['socioeconomicObjective'],
      contractAmountFen: terms.contractAmountFen,
      techTransactionAmountFen: terms.registeredTechTransactionAmountFen ?? terms.techTransactionAmountFen,
    };
    this.standing = this.registered;
  }

  opened() {
    return MediumTier.event('cn.techtransfer.deal.opened.v1', {
      ...this.context,
      proposalId: `prop-${randomUUID()}`,
      supplyId: this.supplyId,
      supplyKind: 'institution',
      supplyName: '中国科学院微电子研究所 集成电路设计联合研发平台',
      openedAt: new Date().toISOString(),
    });
  }

  signed() {
    return MediumTier.event('cn.techtransfer.contract.signed.v1', {
      ...this.context,
      contractType: this.registered.contractType,
      parties: this.registered.parties.map((p) => ({ role: p.role, name: p.name })),
      signedOn: this.signedOn,
      contractAmountFen: this.terms.contractAmountFen,
      techTransactionAmountFen: this.terms.techTransactionAmountFen,
      signedAt: new Date().toISOString(),
    });
  }

  /** The four events of the registration, in the order contract-tracking stages them. */
  registration(): CloudEvent[] {
    const at = new Date().toISOString();
    const record = this.registered;
    const transaction = { ...this.context, transactionId: this.dealId, supplyId: this.supplyId };
    return [
      MediumTier.event('cn.techtransfer.contract.registered.v1', { ...this.context, registrationNumber: record.registrationNumber, registeredOn: record.registeredOn, registeredAt: at }),
      MediumTier.event('cn.techtransfer.contract.registered.v2', { ...this.context, record, registeredAt: at }),
      this.loggedV1(at),
      MediumTier.event('cn.techtransfer.transaction.logged.v2', { ...transaction, revision: 0, supplyKind: 'institution', record, loggedAt: at }),
    ];
  }

  loggedV1(at = new Date().toISOString()) {
    const record = this.registered;
    return MediumTier.event('cn.techtransfer.transaction.logged.v1', {
      ...this.context,
      transactionId: this.dealId,
      supplyId: this.supplyId,
      contractType: record.contractType,
      registrationNumber: record.registrationNumber,
      signedOn: record.signedOn,
      registeredOn: record.registeredOn,
      contractAmountFen: record.contractAmountFen,
      techTransactionAmountFen: record.techTransactionAmountFen,
      loggedAt: at,
    });
  }

  /** Every event from opened to the logged transaction, in order (DEAL_TO_REGISTRATION). */
  toRegistration(): CloudEvent[] {
    return [this.opened(), this.signed(), ...this.registration()];
  }

  /** The payload of the next change as contract-tracking would build it (for forging one from it). */
  nextChange(reason: string): Omit<Corrected, 'restates'> {
    return { ...this.context, transactionId: this.dealId, revision: this.revision + 1, reverses: this.standing, reason, at: new Date().toISOString() };
  }

  /** 补正: the record restated with `changes`; the deal then stands at the next revision. */
  correct(changes: Partial<RegistryRecord>, reason = '登记机构核定技术交易额') {
    return this.restate('cn.techtransfer.transaction.corrected.v1', changes, reason);
  }

  /** 变更: likewise, as an amendment (its amounts are not bounded by the signature). */
  amend(changes: Partial<RegistryRecord>, reason = '双方签订补充协议') {
    return this.restate('cn.techtransfer.transaction.amended.v1', changes, reason);
  }

  /** 撤销: the record as it stands reversed, nothing restated. */
  revoke(reason = '经复核不属于技术合同，撤销登记') {
    const payload: Revoked = this.nextChange(reason);
    this.revision += 1;
    return MediumTier.event('cn.techtransfer.transaction.revoked.v1', payload);
  }

  private restate(type: 'cn.techtransfer.transaction.corrected.v1' | 'cn.techtransfer.transaction.amended.v1', changes: Partial<RegistryRecord>, reason: string) {
    const restates = { ...this.standing, ...changes };
    const event = MediumTier.event(type, { ...this.nextChange(reason), restates });
    this.standing = restates;
    this.revision += 1;
    return event;
  }
}
