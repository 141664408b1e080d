import { Schema } from 'mongoose';
import type { ContractType, TechnicalField } from '@tt/contracts';

export const TRANSACTION_MODEL = 'Transaction';

/**
 * One logged technology transaction (a registered contract). Totals are sums over these rows at read
 * time, so they equal the sum over registered contracts by construction: a redelivered event meets
 * the same `_id` (the deal) and adds nothing.
 */
export interface Transaction {
  _id: string;
  needId: string;
  parkId: string;
  regionCode: string;
  technicalField: TechnicalField;
  contractType: ContractType;
  brokerId: string;
  registrationNumber: string;
  registeredOn: string;
  /** YYYY-MM of registration: the statistical period of a registered contract. */
  month: string;
  contractAmountFen: number;
  techTransactionAmountFen: number;
  loggedAt: Date;
  /** When reporting stored the row: with loggedAt, how far behind the totals run. */
  recordedAt: Date;
}

export const TransactionSchema = new Schema<Transaction>(
  {
    _id: { type: String, required: true },
    needId: { type: String, required: true },
    parkId: { type: String, required: true },
    regionCode: { type: String, required: true },
    technicalField: { type: String, required: true },
    contractType: { type: String, required: true },
    brokerId: { type: String, required: true },
    registrationNumber: { type: String, required: true },
    registeredOn: { type: String, required: true },
    month: { type: String, required: true },
    contractAmountFen: { type: Number, required: true },
    techTransactionAmountFen: { type: Number, required: true },
    loggedAt: { type: Date, required: true },
    recordedAt: { type: Date, required: true },
  },
  { collection: 'transactions', versionKey: false },
);
// Totals over a period, optionally for one park.
TransactionSchema.index({ month: 1, parkId: 1 });
TransactionSchema.index({ parkId: 1, month: 1 });
