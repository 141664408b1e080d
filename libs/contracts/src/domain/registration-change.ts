import type { RegistryRecord } from '../events/registry-events';

/**
 * What a correction (补正) or an amendment (变更) of a registered contract may restate, as one pure rule
 * that the producer (contract-tracking, before it publishes) and the consumers (reporting, before it
 * counts) can both apply, so that what one accepts the other accepts:
 * - the registration number, the registering office, the registration and signing dates and the
 *   contract type never change (a different type is a different contract, registered anew);
 * - a change changes something;
 * - a correction restates the registration of the contract as signed: the registry may accept less
 *   than the parties declared, never more, so neither amount may rise above both what was signed and
 *   what stood before the correction (lowering, keeping, or restoring up to the signed amount are all
 *   corrections; ten times the signed amount is not). An amendment changes the contract itself, and
 *   its amounts are not bounded by the signature.
 */
export const FIXED_REGISTRY_FIELDS = ['registrationNumber', 'registryOffice', 'registeredOn', 'signedOn', 'contractType'] as const;

export type RegistrationChangeKind = 'correction' | 'amendment';

export interface DeclaredAmounts {
  contractAmountFen: number;
  techTransactionAmountFen: number;
}

const AMOUNTS = ['contractAmountFen', 'techTransactionAmountFen'] as const;

/**
 * The problems of a restatement (empty when it is one contract-tracking would publish): `reverses` is
 * the record as it stood, `restates` the record as restated, `signed` the amounts of the contract as
 * signed (absent when unknown: then a correction may not raise an amount at all).
 */
export function restatementProblems(
  kind: RegistrationChangeKind,
  reverses: RegistryRecord,
  restates: RegistryRecord,
  signed?: DeclaredAmounts,
): { field: string; problem: string }[] {
  const problems: { field: string; problem: string }[] = [];
  for (const field of FIXED_REGISTRY_FIELDS)
    if (canonicalJson(reverses[field]) !== canonicalJson(restates[field])) problems.push({ field, problem: `a ${kind} cannot change ${field}` });
  if (canonicalJson(reverses) === canonicalJson(restates)) problems.push({ field: '', problem: `the ${kind} leaves the registered record as it stands` });
  if (kind === 'correction')
    for (const field of AMOUNTS) {
      const ceiling = Math.max(reverses[field], signed?.[field] ?? 0);
      if (restates[field] > ceiling)
        problems.push({
          field,
          problem: `a correction cannot raise ${field} to ${restates[field]}, above both the amount signed (${signed?.[field] ?? 'unknown'}) and the amount that stood (${reverses[field]})`,
        });
    }
  return problems;
}

/** JSON with object keys sorted and undefined members dropped: equal for equal values, whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
