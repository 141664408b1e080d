import { createHash } from 'node:crypto';
import { canonicalJson, restatementProblems, type PayloadOf } from '@tt/contracts';
import type { DealLedgerEntry } from '../deals/deal-ledger.schema';
import { sameRecord } from '../deals/deal-ledger.service';
import type { Transaction } from './transaction.schema';

export type Restatement = PayloadOf<'cn.techtransfer.transaction.corrected.v1'>;
export type Revocation = PayloadOf<'cn.techtransfer.transaction.revoked.v1'>;
export type ChangeKind = 'correction' | 'amendment' | 'revocation';

export type ChangeVerdict = { verdict: 'apply'; fingerprint: string } | { verdict: 'redelivery' } | { verdict: 'reject'; reason: string };

/** The transaction row and deal ledger entry fields the rules read. */
export type HeldTransaction = Pick<Transaction, 'transactionId' | 'needId' | 'parkId' | 'brokerId' | 'regionCode' | 'technicalField' | 'revision' | 'status' | 'record' | 'changes'>;
export type HeldDeal = Pick<DealLedgerEntry, 'enterpriseId' | 'signed'>;

/** What identifies a change: the whole payload, whatever its key order (a replay under a new event id has the same). */
export function fingerprintOf(change: Restatement | Revocation): string {
  return createHash('sha256').update(canonicalJson(change)).digest('base64url');
}

/**
 * Whether reporting takes a correction, amendment or revocation, from what it holds of the transaction
 * (`row`) and of the deal (`deal`, its ledger entry). Events of one deal arrive in order (one key, one
 * partition), so a change that contract-tracking published always:
 * - follows the revision held (a revision already held is a redelivery only if it is the very change
 *   held at that revision; anything else at or below it, or past the next, is not contract-tracking's);
 * - reverses exactly the record as it stands, on a registration not revoked;
 * - repeats the deal's context as reporting holds it (the transaction id as logged, park, need,
 *   broker, enterprise, region and field);
 * - restates only what a change may restate (`restatementProblems`: fixed fields, something changed,
 *   a correction never raising an amount above both the signed and the standing one).
 * Anything else is refused: the caller dead-letters it, and no total moves.
 */
export function judgeChange(kind: ChangeKind, t: Restatement | Revocation, row: HeldTransaction | null, deal: HeldDeal | null): ChangeVerdict {
  const of = `${kind} of transaction ${t.dealId} at revision ${t.revision}`;
  const reject = (why: string): ChangeVerdict => ({ verdict: 'reject', reason: `${of}: ${why}` });
  if (!row) return reject('reporting holds no such transaction');
  const fingerprint = fingerprintOf(t);
  if (t.revision <= row.revision) {
    const held = row.changes?.find((c) => c.revision === t.revision);
    if (held && sameChange(held, kind, t, fingerprint)) return { verdict: 'redelivery' };
    return reject(`revision ${t.revision} is already held as another change (the transaction stands at revision ${row.revision})`);
  }
  if (t.revision !== row.revision + 1) return reject(`the transaction stands at revision ${row.revision}, so the next change is ${row.revision + 1}`);
  if (row.status === 'revoked') return reject('the transaction is revoked');
  if (!row.record) return reject('reporting holds no registry record of it');
  if (!sameRecord(row.record, t.reverses)) return reject('it reverses a record that is not the one standing');
  const context: [string, unknown, unknown][] = [
    ['transactionId', t.transactionId, row.transactionId ?? t.transactionId],
    ['parkId', t.parkId, row.parkId],
    ['needId', t.needId, row.needId],
    ['brokerId', t.brokerId, row.brokerId],
    ['regionCode', t.regionCode, row.regionCode],
    ['technicalField', t.technicalField, row.technicalField],
    // Kept since this check; rows and deals from before it have none to compare.
    ['enterpriseId', t.enterpriseId, deal?.enterpriseId ?? t.enterpriseId],
  ];
  const mismatched = context.filter(([, claimed, held]) => claimed !== held).map(([field]) => field);
  if (mismatched.length > 0) return reject(`its deal context is not the transaction's: ${mismatched.join(', ')}`);
  if (kind !== 'revocation') {
    const problems = restatementProblems(kind, t.reverses, (t as Restatement).restates, deal?.signed);
    if (problems.length > 0) return reject(problems.map((p) => p.problem).join('; '));
  }
  return { verdict: 'apply', fingerprint };
}

/** The change held at a revision is this event: same payload (or, held before fingerprints were kept, same kind, reason and time). */
function sameChange(held: NonNullable<HeldTransaction['changes']>[number], kind: ChangeKind, t: Restatement | Revocation, fingerprint: string): boolean {
  if (held.kind !== kind) return false;
  if (held.fingerprint) return held.fingerprint === fingerprint;
  return held.reason === t.reason && new Date(held.at).getTime() === Date.parse(t.at);
}
