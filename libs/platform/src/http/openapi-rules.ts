import { ApiExtension, type OpenAPIObject } from '@nestjs/swagger';

/**
 * The rules a request must also meet that JSON Schema cannot say (they need a list, another resource,
 * the caller's scope or several fields at once), by name, each with what it asks. An operation that
 * applies one names it in its `x-tt-rules` extension, and the document carries this registry (the
 * names it uses) as its top-level `x-tt-rules`, so a reader, or a fuzzer, knows that a request the
 * schema admits can still be refused (400) for that reason. Everything JSON Schema can express is
 * in the schemas themselves (see openapi-constraints). One place: a name not here cannot be used.
 */
export const API_RULES = {
  'region-exists': 'A 6-digit 行政区划代码 must name a division of the GB/T 2260 list; the pattern also admits codes that name none.',
  'credit-code-check-character': 'A 统一社会信用代码 must end in its GB 32100 check character, computed from its first 17.',
  'enterprise-in-park': 'The enterprise named (enterpriseId) must be one recorded in the caller’s park.',
  'need-fields-agree':
    'budgetMinFen ≤ budgetMaxFen; no region both preferred and excluded; each hard constraint needs its field (region: preferredRegionCodes, maturity: minTrl or neededWithinMonths, budget: budgetMaxFen, eligibility: qualifications recorded on the enterprise), also as revised.',
  'revision-changes-something': 'A revision or registration change must change the resource: one that would leave it as it stands is refused.',
  'contract-parties': 'The parties include at least a buyer and a seller; a domestic party has a regionCode, an overseas one a countryCode.',
  'contract-fields-agree':
    'techTransactionAmountFen ≤ contractAmountFen and contractSubtype is a subtype of contractType (as signed, registered or changed); registeredOn is not before signing and registrationNumber starts with its year and carries the office’s GB/T 2260 code.',
  'supply-kind-details': 'details (and trl) follow the item’s kind: the schema each kind has, given in the field’s description.',
  'spreadsheet-file': 'The file must be an .xlsx workbook or a UTF-8 .csv with the template’s header row and at least one row under it.',
  'webhook-target': 'The URL is https (http only outside production), carries no credentials, and its host resolves to an address the deployment allows.',
} as const;

export type ApiRule = keyof typeof API_RULES;

/** The operation extension that names the rules an operation applies beyond its schemas. */
export const RULES_EXTENSION = 'x-tt-rules';

/**
 * Rules that follow from a class-validator constraint (by its name, as `ValidateBy` registers it): an
 * operation whose request body uses the validator gets the rule in its extension without saying so.
 */
export const VALIDATOR_RULES: Readonly<Record<string, ApiRule>> = {
  knownRegionCode: 'region-exists',
  creditCodeCheckCharacter: 'credit-code-check-character',
};

/** Names, on an operation (or every operation of a controller), the rules it applies beyond its schemas. */
export const ApiRules = (...rules: ApiRule[]) => ApiExtension(RULES_EXTENSION, rules);

type Operation = Record<string, any> & { [RULES_EXTENSION]?: string[] };

/**
 * Completes the rules in the document: adds those implied by the validators of each operation's
 * request body (`implied`, by operationId), refuses a name not in API_RULES, sorts each list, adds
 * each rule's description to the operation's, and writes the registry entries of the rules used at
 * the document's top level.
 */
export function withRuleDescriptions(document: OpenAPIObject, implied: ReadonlyMap<string, ReadonlySet<ApiRule>> = new Map()): OpenAPIObject {
  const used = new Set<ApiRule>();
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, Operation>)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const named = new Set<string>([...(operation[RULES_EXTENSION] ?? []), ...(implied.get(operation.operationId) ?? [])]);
      for (const rule of named) {
        if (!(rule in API_RULES)) throw new Error(`${operation.operationId}: rule "${rule}" is not in API_RULES`);
        used.add(rule as ApiRule);
      }
      if (named.size === 0) {
        delete operation[RULES_EXTENSION];
        continue;
      }
      const rules = [...named].sort() as ApiRule[];
      operation[RULES_EXTENSION] = rules;
      // Said in the operation's own text too, where a reader of the rendered page looks.
      const note = `Refused with 400 beyond what the schemas say (x-tt-rules):\n${rules.map((rule) => `- ${rule}: ${API_RULES[rule]}`).join('\n')}`;
      operation.description = operation.description ? `${operation.description}\n\n${note}` : note;
    }
  }
  if (used.size > 0) {
    (document as unknown as Record<string, unknown>)[RULES_EXTENSION] = Object.fromEntries([...used].sort().map((rule) => [rule, API_RULES[rule]]));
  }
  return document;
}
