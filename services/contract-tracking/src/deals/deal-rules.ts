import { registryRecord, type RegistryRecord } from '@tt/contracts';
import { conflict, invalid, preconditionFailed } from '@tt/platform';
import type { ContractPartyDto } from './deal.dto';
import { DEAL_TRANSITIONS, type ContractParty, type DealAction } from './deal.schema';
import type { DealView } from './deal-view';

/** The deal's domain rules as plain functions: which action a status allows, and what a registration record must be. */

/** The registered record a change starts from: 409 unless registered with a record, 412 on a stale If-Match. */
export function standingRecord(deal: DealView, expectedVersion: number | undefined): RegistryRecord {
  if (deal.status !== 'registered') throw notRegistered(deal.status);
  const record = deal.registration?.record;
  if (!record) throw conflict('this contract was registered before the registry record was kept; it cannot be corrected here', { currentStatus: deal.status });
  if (expectedVersion !== undefined && expectedVersion !== deal.version) throw preconditionFailed(deal.version);
  return record;
}

export function notRegistered(status: string) {
  return conflict(`a deal in status "${status}" has no standing registration to change; allowed from: registered`, { currentStatus: status });
}

/** The record checked with the registry's rules (the event's own schema): each problem a 400 at its field. */
export function checkedRecord(candidate: RegistryRecord, partiesNote = ''): RegistryRecord {
  const parsed = registryRecord.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw invalid(
    parsed.error.issues.slice(0, 20).map((issue) => ({
      pointer: `/${issue.path.join('/')}`,
      reason: issue.path[0] === 'parties' ? `${partiesNote}${issue.message}` : issue.message,
    })),
  );
}

/** A party as stored and published: only the fields it has (no undefined keys in the store or the event). */
export function partyOf(p: ContractPartyDto | ContractParty): ContractParty {
  return definedOnly({ role: p.role, name: p.name, nature: p.nature, creditCode: p.creditCode, regionCode: p.regionCode, countryCode: p.countryCode }) as ContractParty;
}

export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function assertAllowed(action: DealAction, status: string): void {
  if (!(DEAL_TRANSITIONS[action].from as readonly string[]).includes(status)) throw notAllowed(action, status);
}

export function notAllowed(action: DealAction, status: string) {
  return conflict(`a deal in status "${status}" cannot ${action}; allowed from: ${DEAL_TRANSITIONS[action].from.join(', ')}`, {
    currentStatus: status,
  });
}
