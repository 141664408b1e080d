import { Schema } from 'mongoose';
import type { ContractType, RegistryRecord } from '@tt/contracts';

export const DEAL_LEDGER_MODEL = 'DealLedgerEntry';

/**
 * What reporting has seen of one deal through contract-tracking's events, in their order on the
 * deal's partition: opened, then signed, then registered. A logged transaction is counted only when
 * it agrees with this record, so an event that skips a step or changes a figure is refused.
 */
export interface DealLedgerEntry {
  _id: string;
  needId: string;
  parkId: string;
  brokerId: string;
  /** Kept since changes to a registration are checked against it; absent on deals opened before. */
  enterpriseId?: string;
  openedAt: Date;
  signed?: { contractType: ContractType; signedOn: string; contractAmountFen: number; techTransactionAmountFen: number };
  /** `record`: the registry record as first registered (contract registered v2); corrections live on the transaction. */
  registered?: { registrationNumber: string; registeredOn: string; record?: RegistryRecord };
  /** Set by deal cancelled: nothing may be signed or registered after it. */
  cancelled?: { stage: 'intent' | 'signed'; cancelledAt: Date };
}

export const DealLedgerSchema = new Schema<DealLedgerEntry>(
  {
    _id: { type: String, required: true },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    brokerId: { type: String, required: true },
    enterpriseId: { type: String },
    openedAt: { type: Date, required: true },
    signed: { type: Schema.Types.Mixed },
    registered: { type: Schema.Types.Mixed },
    cancelled: { type: Schema.Types.Mixed },
  },
  { collection: 'deal_ledger', versionKey: false },
);
// Only _id lookups: one deal at a time, as its events arrive.
