/**
 * What analysts may see of a deal event. Deal events carry no contacts (intake keeps those), but they
 * name the contract's parties, and a party can be a person (个人) or an enterprise whose need was filed
 * as confidential. Analysts work with figures and classifications, so every party is reduced to its
 * role, nature and region: names and 统一社会信用代码 never leave reporting. The same view feeds
 * `GET /events`, the SSE stream and webhooks.
 */
const PARTY_FIELDS_KEPT = new Set(['role', 'nature', 'regionCode', 'countryCode']);
/** Anything that looks like contact data is dropped wherever it appears (none is expected). */
const NEVER_SHOWN = new Set(['contact', 'contactName', 'contactPhone', 'phone', 'email', 'mobile', 'creditCode']);

export function analystView(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    return key === 'parties' ? value.map((p) => partyView(p)) : value.map((v) => analystView(v));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (NEVER_SHOWN.has(k)) continue;
      out[k] = analystView(v, k);
    }
    return out;
  }
  return value;
}

function partyView(party: unknown): unknown {
  if (!party || typeof party !== 'object') return party;
  return Object.fromEntries(Object.entries(party as Record<string, unknown>).filter(([k]) => PARTY_FIELDS_KEPT.has(k)));
}
