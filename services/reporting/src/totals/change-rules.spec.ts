import { EVENT_EXAMPLES } from '@tt/contracts';
import { fingerprintOf, judgeChange, type HeldDeal, type HeldTransaction, type Restatement, type Revocation } from './change-rules';

const corrected: Restatement = EVENT_EXAMPLES['cn.techtransfer.transaction.corrected.v1'];
const record = corrected.reverses;

/** The transaction as reporting holds it after transaction logged (revision 0). */
const logged = (overrides: Partial<HeldTransaction> = {}): HeldTransaction => ({
  transactionId: 'txn-0001',
  needId: 'need-0001',
  parkId: 'park-binjiang',
  brokerId: 'broker-007',
  regionCode: '330108',
  technicalField: 'electronic-information',
  revision: 0,
  record,
  changes: [],
  ...overrides,
});
const deal: HeldDeal = { enterpriseId: 'ent-0001', signed: { contractType: 'development', signedOn: '2025-04-15', contractAmountFen: 150_000_000, techTransactionAmountFen: 120_000_000 } };

/** A revocation as contract-tracking publishes it, of the record standing at `revision - 1`. */
const revocation = (overrides: Partial<Revocation> = {}): Revocation => ({
  ...EVENT_EXAMPLES['cn.techtransfer.transaction.revoked.v1'],
  revision: 1,
  reverses: record,
  ...overrides,
});

const reasonOf = (v: ReturnType<typeof judgeChange>) => (v.verdict === 'reject' ? v.reason : v.verdict);

describe('judgeChange', () => {
  it('applies the next revision when it is what contract-tracking publishes', () => {
    expect(judgeChange('correction', corrected, logged(), deal)).toEqual({ verdict: 'apply', fingerprint: fingerprintOf(corrected) });
    expect(judgeChange('revocation', revocation(), logged(), deal).verdict).toBe('apply');
    const amended = { ...EVENT_EXAMPLES['cn.techtransfer.transaction.amended.v1'], revision: 1, reverses: record };
    expect(judgeChange('amendment', amended, logged(), deal).verdict).toBe('apply');
    // Rows and deals kept before the transaction and enterprise ids were: nothing to compare them with.
    expect(judgeChange('correction', corrected, logged({ transactionId: undefined }), { signed: deal.signed }).verdict).toBe('apply');
  });

  it('refuses a correction multiplying the amounts by ten, though it follows the revision and reverses the standing record', () => {
    const tenfold = { ...corrected, restates: { ...record, contractAmountFen: record.contractAmountFen * 10, techTransactionAmountFen: record.techTransactionAmountFen * 10 } };
    const verdict = judgeChange('correction', tenfold, logged(), deal);
    expect(verdict.verdict).toBe('reject');
    expect(reasonOf(verdict)).toMatch(/^correction of transaction deal-0001 at revision 1: a correction cannot raise contractAmountFen to 1500000000, above both/);
    expect(reasonOf(verdict)).toContain('techTransactionAmountFen');
    // The same figures as an amendment (a changed contract) are not bounded by the signature.
    expect(judgeChange('amendment', tenfold, logged(), deal).verdict).toBe('apply');
  });

  it('refuses a restatement of the fixed fields, or one that changes nothing', () => {
    expect(reasonOf(judgeChange('correction', { ...corrected, restates: { ...corrected.restates, registrationNumber: '2025330108000999' } }, logged(), deal))).toContain('cannot change registrationNumber');
    expect(reasonOf(judgeChange('amendment', { ...corrected, restates: { ...corrected.restates, contractType: 'transfer' } }, logged(), deal))).toContain('cannot change contractType');
    expect(reasonOf(judgeChange('correction', { ...corrected, restates: record }, logged(), deal))).toContain('leaves the registered record as it stands');
  });

  it('refuses a change that does not follow the revision held', () => {
    expect(reasonOf(judgeChange('revocation', revocation({ revision: 2 }), logged(), deal))).toBe(
      'revocation of transaction deal-0001 at revision 2: the transaction stands at revision 0, so the next change is 1',
    );
    expect(reasonOf(judgeChange('revocation', revocation(), null, deal))).toContain('reporting holds no such transaction');
    expect(reasonOf(judgeChange('revocation', revocation(), logged({ record: undefined }), deal))).toContain('no registry record');
    expect(reasonOf(judgeChange('revocation', revocation({ reverses: corrected.restates }), logged(), deal))).toContain('reverses a record that is not the one standing');
    expect(reasonOf(judgeChange('correction', corrected, logged({ revision: 1, status: 'revoked', changes: [] }), deal))).toContain('already held');
    expect(reasonOf(judgeChange('correction', { ...corrected, revision: 2 }, logged({ revision: 1, status: 'revoked' }), deal))).toContain('the transaction is revoked');
  });

  it('refuses a change whose deal context is not the transaction’s', () => {
    const cases: [Partial<Revocation>, string][] = [
      [{ transactionId: 'txn-0002' }, 'transactionId'],
      [{ parkId: 'park-other' }, 'parkId'],
      [{ needId: 'need-0002' }, 'needId'],
      [{ brokerId: 'broker-008' }, 'brokerId'],
      [{ regionCode: '320506' }, 'regionCode'],
      [{ technicalField: 'biomedicine' }, 'technicalField'],
      [{ enterpriseId: 'ent-0002' }, 'enterpriseId'],
    ];
    for (const [overrides, field] of cases)
      expect(reasonOf(judgeChange('revocation', revocation(overrides), logged(), deal))).toBe(`revocation of transaction deal-0001 at revision 1: its deal context is not the transaction's: ${field}`);
  });

  it('takes a redelivery of the change held at its revision as a no-op, and refuses any other change at a revision held', () => {
    const applied = judgeChange('correction', corrected, logged(), deal);
    if (applied.verdict !== 'apply') throw new Error('the correction applies');
    const held = logged({
      revision: 1,
      record: corrected.restates,
      changes: [{ kind: 'correction', revision: 1, reason: corrected.reason, at: new Date(corrected.at), fingerprint: applied.fingerprint }],
    });
    // The same payload, whatever its key order (a redelivery, or a replay under a new event id).
    const reordered = Object.fromEntries(Object.entries(corrected).reverse()) as Restatement;
    expect(judgeChange('correction', reordered, held, deal)).toEqual({ verdict: 'redelivery' });
    // Another change claiming the revision held: a forged revocation of the original record, or a different correction.
    expect(reasonOf(judgeChange('revocation', revocation(), held, deal))).toBe(
      'revocation of transaction deal-0001 at revision 1: revision 1 is already held as another change (the transaction stands at revision 1)',
    );
    expect(judgeChange('correction', { ...corrected, restates: { ...corrected.restates, techTransactionAmountFen: 110_000_000 } }, held, deal).verdict).toBe('reject');
    // Changes held before fingerprints were kept: the same kind, reason and time.
    const legacy = logged({ revision: 1, record: corrected.restates, changes: [{ kind: 'correction', revision: 1, reason: corrected.reason, at: new Date(corrected.at) }] });
    expect(judgeChange('correction', corrected, legacy, deal)).toEqual({ verdict: 'redelivery' });
    expect(judgeChange('correction', { ...corrected, reason: '另一个理由' }, legacy, deal).verdict).toBe('reject');
  });
});
