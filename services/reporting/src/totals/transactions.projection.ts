import { Injectable } from '@nestjs/common';
import { provinceCodeOf, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { EventRejectedError } from '@tt/messaging';
import { judgeChange, type ChangeKind, type HeldDeal } from './change-rules';
import { TransactionsRepository, type LoggedRow } from './transactions.repository';

type LoggedV1 = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
type LoggedV2 = PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
type Restated = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
type Revoked = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;

/**
 * The transaction events applied to the rows: what each event writes, and whether a change is taken
 * (change-rules). The writes are the repository's (transactions.repository.ts); each leaves the row
 * pending for the roll-up applier, which the deal consumer runs once per batch (rollup-applier.ts).
 */
@Injectable()
export class TransactionsProjection {
  constructor(private readonly repository: TransactionsRepository) {}

  /** transaction logged v1: the row with the figures as registered, at revision 0. */
  async log(t: LoggedV1): Promise<void> {
    await this.repository.insertLogged(t.dealId, rowOf(t));
  }

  /**
   * transaction logged v2 (after v1 for the same deal): the same row, with the registry's record and
   * the fields its tables group by. Only a row still at revision 0 takes it, so a redelivery after a
   * correction changes nothing (the upsert meets the row's `_id` at a later revision and stops).
   */
  async logWithRecord(t: LoggedV2): Promise<void> {
    const { record } = t;
    const base = rowOf({ ...t, ...record });
    const { contractAmountFen, techTransactionAmountFen, ...insertOnly } = base;
    await this.repository.writeAtRevisionZero(t.dealId, { contractAmountFen, techTransactionAmountFen, ...registryFields(record) }, insertOnly);
  }

  /** 补正 / 变更: the row is restated at the event's revision, if the event is one contract-tracking would publish (see change-rules). */
  async restate(t: Restated, kind: 'correction' | 'amendment', deal: HeldDeal | null): Promise<void> {
    const { restates } = t;
    await this.applyChange(t, kind, deal, {
      contractAmountFen: restates.contractAmountFen,
      techTransactionAmountFen: restates.techTransactionAmountFen,
      ...registryFields(restates),
    });
  }

  /** 撤销: the row stays, revoked, and totals leave it out. */
  async revoke(t: Revoked, deal: HeldDeal | null): Promise<void> {
    await this.applyChange(t, 'revocation', deal, { status: 'revoked', revokedAt: new Date(t.at) });
  }

  /**
   * Events of one deal arrive in order (one key, one partition), so a change meets the row at the
   * revision before its own. `judgeChange` decides: the very change already held at its revision is a
   * redelivery (no-op); one that does not follow the held revision, or whose content is not what
   * contract-tracking would publish, is refused (dead-lettered `rejected`), so the totals never move
   * on it. The write is conditional on the revision read, and records the change's fingerprint.
   */
  private async applyChange(t: Restated | Revoked, kind: ChangeKind, deal: HeldDeal | null, changes: object): Promise<void> {
    const row = await this.repository.find(t.dealId);
    const judged = judgeChange(kind, t, row, deal);
    if (judged.verdict === 'redelivery') return; // the consumer's roll-up finishes one a crash left half done
    if (judged.verdict === 'reject') throw new EventRejectedError(judged.reason);
    const change = { kind, revision: t.revision, reason: t.reason, at: new Date(t.at), fingerprint: judged.fingerprint };
    const written = await this.repository.writeChange(t.dealId, row!.revision, changes, change);
    // Another change landed since the read (this one on another instance, or a racing one): judge again against it.
    if (!written) return this.applyChange(t, kind, deal, changes);
  }
}

function rowOf(t: Omit<LoggedV1, 'loggedAt'> & { loggedAt: string }): LoggedRow {
  return {
    transactionId: t.transactionId,
    needId: t.needId,
    parkId: t.parkId,
    regionCode: t.regionCode,
    technicalField: t.technicalField,
    contractType: t.contractType,
    brokerId: t.brokerId,
    registrationNumber: t.registrationNumber,
    registeredOn: t.registeredOn,
    month: t.registeredOn.slice(0, 7),
    contractAmountFen: t.contractAmountFen,
    techTransactionAmountFen: t.techTransactionAmountFen,
    loggedAt: new Date(t.loggedAt),
    recordedAt: new Date(),
  };
}

/** The registry's fields a row is grouped by, from its record as it stands. */
function registryFields(record: RegistryRecord) {
  const seller = record.parties.find((p) => p.role === 'seller')!;
  const buyer = record.parties.find((p) => p.role === 'buyer')!;
  return {
    record,
    contractSubtype: record.contractSubtype,
    registryTechnicalField: record.registryTechnicalField,
    ipType: record.ipType,
    socioeconomicObjective: record.socioeconomicObjective,
    sellerNature: seller.nature,
    buyerNature: buyer.nature,
    outputRegion: regionOfParty(seller),
    absorptionRegion: regionOfParty(buyer),
  };
}

/** A party's province (技术输出/吸纳 are tabled by province), or `overseas-XX` for a party abroad. */
function regionOfParty(p: RegistryRecord['parties'][number]): string {
  return p.regionCode ? provinceCodeOf(p.regionCode) : `overseas-${p.countryCode}`;
}
