import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { provinceCodeOf, type PayloadOf, type RegistryRecord } from '@tt/contracts';
import { EventRejectedError } from '@tt/messaging';
import { upsertOnce } from '@tt/store';
import { judgeChange, type ChangeKind, type HeldDeal } from './change-rules';
import { DIMENSIONS, labelOf, type Dimension } from './dimensions';
import { FunnelService } from '../funnel/funnel.service';
import { rollupIdOf, sumRollups, zero, type Amounts, type RollupDoc } from './rollup';
import { RollupApplier } from './rollup-applier';
import { ROLLUP_MODEL } from './rollup.schema';
import { TRANSACTION_MODEL, type Transaction } from './transaction.schema';

export type TotalsReport = Awaited<ReturnType<TotalsService['totals']>>;

export interface BreakdownRow extends Amounts {
  key: string | null;
  label: string;
}

export type { Amounts };

type LoggedV1 = PayloadOf<'cn.techtransfer.transaction.logged.v1'>;
type LoggedV2 = PayloadOf<'cn.techtransfer.transaction.logged.v2'>;
type Restated = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
type Revoked = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;

/**
 * What every write that changes what a row counts for sets in the same update: a new roll-up version,
 * pending until the roll-ups hold it (see rollup-applier.ts).
 */
const PENDING = { 'rollup.pending': true };
const NEXT_VERSION = { 'rollup.version': 1 };

/**
 * The transaction rows (the source of truth) and the totals read from their roll-ups. Each write to a
 * row is followed, in the same handler, by the roll-up applier; a redelivery runs it again, so a crash
 * between the two is finished by the event's redelivery (or by the sweep).
 */
@Injectable()
export class TotalsService {
  constructor(
    @InjectModel(TRANSACTION_MODEL) private readonly transactions: Model<Transaction>,
    @InjectModel(ROLLUP_MODEL) private readonly rollups: Model<RollupDoc>,
    private readonly applier: RollupApplier,
    private readonly funnel: FunnelService,
  ) {}

  /** transaction logged v1: the row with the figures as registered, at revision 0. */
  async log(t: LoggedV1): Promise<void> {
    await upsertOnce(this.transactions.updateOne({ _id: t.dealId }, { $setOnInsert: { ...rowOf(t), revision: 0, rollup: { version: 1, pending: true } } }, { upsert: true }).exec());
    await this.applier.apply(t.dealId);
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
    await upsertOnce(
      this.transactions
        .updateOne(
          { _id: t.dealId, revision: 0 },
          { $set: { contractAmountFen, techTransactionAmountFen, ...registryFields(record), ...PENDING }, $inc: NEXT_VERSION, $setOnInsert: insertOnly },
          { upsert: true },
        )
        .exec(),
    );
    await this.applier.apply(t.dealId);
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
    const row = await this.transactions.findById(t.dealId).lean().exec();
    const judged = judgeChange(kind, t, row, deal);
    if (judged.verdict === 'redelivery') return void (await this.applier.apply(t.dealId)); // finishes a roll-up a crash left half done
    if (judged.verdict === 'reject') throw new EventRejectedError(judged.reason);
    const change = { kind, revision: t.revision, reason: t.reason, at: new Date(t.at), fingerprint: judged.fingerprint };
    const written = await this.transactions
      .updateOne({ _id: t.dealId, revision: row!.revision }, { $set: { ...changes, revision: t.revision, ...PENDING }, $inc: NEXT_VERSION, $push: { changes: change } })
      .exec();
    // Another change landed since the read (this one on another instance, or a racing one): judge again against it.
    if (written.matchedCount === 0) return this.applyChange(t, kind, deal, changes);
    await this.applier.apply(t.dealId);
  }

  /**
   * Totals for a year (by registration date) over the contracts as they stand: each month with the
   * same month a year before (同比), the month before (环比), and the year to date (累计) with its 同比.
   */
  async totals(year: number, parkId?: string) {
    const dimensions = Object.keys(DIMENSIONS) as Dimension[];
    const [{ registered, previous, byMonth, previousByMonth, byDimension }, funnel, funnelByCohort] = await Promise.all([
      this.rolledUp(year, parkId),
      this.funnel.counts(parkId),
      this.funnel.cohorts(year, parkId),
    ]);
    const amountsIn = (groups: Map<string | null, Amounts>, month: string) => groups.get(month) ?? zero();
    const lastMonth = Math.max(0, ...[...byMonth.keys()].map((m) => Number(String(m).slice(5))));
    let yearToDate = zero();
    let previousYearToDate = zero();
    const months = Array.from({ length: lastMonth }, (_, i) => String(i + 1).padStart(2, '0')).map((mm) => {
      const now = amountsIn(byMonth, `${year}-${mm}`);
      const sameMonthLastYear = amountsIn(previousByMonth, `${year - 1}-${mm}`);
      const monthBefore = mm === '01' ? amountsIn(previousByMonth, `${year - 1}-12`) : amountsIn(byMonth, `${year}-${String(Number(mm) - 1).padStart(2, '0')}`);
      yearToDate = add(yearToDate, now);
      previousYearToDate = add(previousYearToDate, sameMonthLastYear);
      return {
        month: `${year}-${mm}`,
        ...now,
        previousYear: sameMonthLastYear,
        growth: growth(now, sameMonthLastYear),
        monthOnMonth: growth(now, monthBefore),
        yearToDate,
        yearToDateGrowth: growth(yearToDate, previousYearToDate),
      };
    });
    return {
      scope: { year, parkId: parkId ?? null, period: 'registration date', currency: 'CNY fen', funnel: 'all time', contracts: 'as they stand (corrections applied, revoked left out)' },
      registered: { ...registered, previousYear: previous, growth: growth(registered, previous) },
      byMonth: months,
      ...(Object.fromEntries(
        dimensions.map((name) => [name, [...byDimension[name]].map(([key, amounts]) => ({ key, label: labelOf(name, key), ...amounts }))]),
      ) as Record<Dimension, BreakdownRow[]>),
      funnel,
      funnelByCohort,
    };
  }

  /**
   * The sums of `year` and the year before, from the roll-ups: two documents by _id (the park's, or
   * every park's), so the read grows with the breakdowns' keys, not with contracts.
   */
  private async rolledUp(year: number, parkId?: string) {
    const ids = [rollupIdOf(year, parkId ?? null), rollupIdOf(year - 1, parkId ?? null)];
    const docs = await this.rollups.collection.find({ _id: { $in: ids } } as Record<string, unknown>, { projection: { year: 1, months: 1, dims: 1 } }).toArray();
    return sumRollups(docs as unknown as RollupDoc[], year);
  }
}

const add = (a: Amounts, b: Amounts): Amounts => ({
  count: a.count + b.count,
  contractAmountFen: a.contractAmountFen + b.contractAmountFen,
  techTransactionAmountFen: a.techTransactionAmountFen + b.techTransactionAmountFen,
});

/** Growth of the contract amount against a base (同比, 环比), null where the base had nothing to compare with. */
function growth(now: Amounts, before: Amounts): number | null {
  if (before.contractAmountFen === 0) return null;
  return Math.round(((now.contractAmountFen - before.contractAmountFen) / before.contractAmountFen) * 10_000) / 10_000;
}

function rowOf(t: Omit<LoggedV1, 'loggedAt'> & { loggedAt: string }): Omit<Transaction, '_id' | 'revision'> {
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
