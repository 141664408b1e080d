import { canonicalJson, type PayloadOf } from '@tt/contracts';
import type { DealLedgerEntry } from './deal-ledger.schema';

type RegisteredV2 = PayloadOf<'cn.techtransfer.contract.registered.v2'>;

/**
 * Why reporting refuses a contract registered (v2) for a deal, or null when it takes it. A deal is
 * registered once: its record may only arrive for the contract signed (same park, need, type and
 * signing date, not cancelled), under the number and date its registration (v1, published just
 * before) announced, and, once held, only again as the very same record (a redelivery). A registration
 * is changed by a correction or an amendment at the next revision, never by registering it anew, so a
 * second, different record is not contract-tracking's: taking it would let a logged transaction (v2)
 * restate the amounts outside the revision chain.
 */
export function registrationRecordProblem(held: DealLedgerEntry | null, e: RegisteredV2): string | null {
  const { record } = e;
  if (!held || held.parkId !== e.parkId || held.needId !== e.needId || held.cancelled || held.signed?.contractType !== record.contractType || held.signed?.signedOn !== record.signedOn)
    return `reporting has not seen it opened and signed as a ${record.contractType} contract on ${record.signedOn} in park ${e.parkId}`;
  if (held.registered?.record) return canonicalJson(held.registered.record) === canonicalJson(record) ? null : 'another registry record is already held (a registration changes by correction or amendment, not by registering anew)';
  if (held.registered && (held.registered.registrationNumber !== record.registrationNumber || held.registered.registeredOn !== record.registeredOn))
    return `it was registered under ${held.registered.registrationNumber} on ${held.registered.registeredOn}, not ${record.registrationNumber} on ${record.registeredOn}`;
  return null;
}
