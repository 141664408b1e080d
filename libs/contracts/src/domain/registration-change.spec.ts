import { EVENT_EXAMPLES } from '../events/examples';
import { canonicalJson, restatementProblems } from './registration-change';

const corrected = EVENT_EXAMPLES['cn.techtransfer.transaction.corrected.v1'];
const stood = corrected.reverses;
const signed = { contractAmountFen: 150_000_000, techTransactionAmountFen: 120_000_000 };

describe('restatementProblems', () => {
  it('takes the changes contract-tracking publishes', () => {
    expect(restatementProblems('correction', stood, corrected.restates, signed)).toEqual([]);
    // Restoring up to what was signed, and lowering, are corrections too.
    const lowered = { ...stood, contractAmountFen: 100_000_000, techTransactionAmountFen: 90_000_000 };
    expect(restatementProblems('correction', lowered, stood, signed)).toEqual([]);
    expect(restatementProblems('correction', stood, lowered, signed)).toEqual([]);
    expect(restatementProblems('correction', stood, { ...stood, ipType: 'software-copyright', parties: [...stood.parties].reverse() }, signed)).toEqual([]);
    const amended = EVENT_EXAMPLES['cn.techtransfer.transaction.amended.v1'];
    expect(restatementProblems('amendment', amended.reverses, amended.restates, signed)).toEqual([]);
  });

  it('refuses a correction that raises an amount above both the signed and the standing one', () => {
    const tenfold = { ...stood, contractAmountFen: stood.contractAmountFen * 10, techTransactionAmountFen: stood.techTransactionAmountFen * 10 };
    expect(restatementProblems('correction', stood, tenfold, signed).map((p) => p.field)).toEqual(['contractAmountFen', 'techTransactionAmountFen']);
    expect(restatementProblems('correction', stood, { ...stood, techTransactionAmountFen: 120_000_001 }, signed)).toEqual([
      expect.objectContaining({ field: 'techTransactionAmountFen', problem: expect.stringContaining('above both the amount signed (120000000)') }),
    ]);
    // Unknown signature: a correction may not raise an amount at all.
    expect(restatementProblems('correction', corrected.restates, stood).map((p) => p.field)).toEqual(['techTransactionAmountFen']);
    // An amendment changes the contract itself: its amounts are not bounded by the signature.
    expect(restatementProblems('amendment', stood, tenfold, signed)).toEqual([]);
  });

  it('refuses a change of the number, office, dates or type, and a change that changes nothing', () => {
    const cases = {
      registrationNumber: '2025330108000999',
      registryOffice: { regionCode: '330100', name: '杭州市技术合同登记站' },
      registeredOn: '2025-04-21',
      signedOn: '2025-04-14',
      contractType: 'transfer',
    };
    for (const [field, value] of Object.entries(cases))
      for (const kind of ['correction', 'amendment'] as const)
        expect(restatementProblems(kind, stood, { ...stood, [field]: value }, signed).map((p) => p.field)).toEqual([field]);
    expect(restatementProblems('correction', stood, JSON.parse(JSON.stringify({ ...stood })), signed)).toEqual([
      { field: '', problem: 'the correction leaves the registered record as it stands' },
    ]);
  });

  it('compares records whatever their key order', () => {
    const reordered = Object.fromEntries(Object.entries(stood).reverse());
    expect(canonicalJson(reordered)).toBe(canonicalJson(stood));
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });
});
