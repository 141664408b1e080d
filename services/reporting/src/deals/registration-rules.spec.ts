import { EVENT_EXAMPLES } from '@tt/contracts';
import type { DealLedgerEntry } from './deal-ledger.schema';
import { registrationRecordProblem } from './registration-rules';

const registeredV2 = EVENT_EXAMPLES['cn.techtransfer.contract.registered.v2'];
const { record } = registeredV2;
/** The deal as reporting holds it after opened, signed and registered (v1). */
const held = (overrides: Partial<DealLedgerEntry> = {}): DealLedgerEntry => ({
  _id: 'deal-0001',
  needId: 'need-0001',
  parkId: 'park-binjiang',
  brokerId: 'broker-007',
  openedAt: new Date('2025-03-02T10:00:01Z'),
  signed: { contractType: 'development', signedOn: '2025-04-15', contractAmountFen: 150_000_000, techTransactionAmountFen: 120_000_000 },
  registered: { registrationNumber: record.registrationNumber, registeredOn: record.registeredOn },
  ...overrides,
});

describe('registrationRecordProblem', () => {
  it('takes the record of the contract signed, under the number and date registered, and its redelivery', () => {
    expect(registrationRecordProblem(held(), registeredV2)).toBeNull();
    expect(registrationRecordProblem(held({ registered: undefined }), registeredV2)).toBeNull();
    const reordered = { ...registeredV2, record: Object.fromEntries(Object.entries(record).reverse()) as typeof record };
    expect(registrationRecordProblem(held({ registered: { ...held().registered!, record } }), reordered)).toBeNull();
  });

  it('refuses a second, different record (amounts ×10) for a deal whose record is held', () => {
    const tenfold = { ...registeredV2, record: { ...record, contractAmountFen: record.contractAmountFen * 10, techTransactionAmountFen: record.techTransactionAmountFen * 10 } };
    expect(registrationRecordProblem(held({ registered: { ...held().registered!, record } }), tenfold)).toContain('another registry record is already held');
  });

  it('refuses a record under another number or date than registered, or of a contract not signed so', () => {
    expect(registrationRecordProblem(held(), { ...registeredV2, record: { ...record, registrationNumber: '2025330108000999' } })).toContain(
      `registered under ${record.registrationNumber} on ${record.registeredOn}, not 2025330108000999`,
    );
    for (const entry of [null, held({ parkId: 'park-other' }), held({ signed: undefined }), held({ cancelled: { stage: 'signed', cancelledAt: new Date() } })])
      expect(registrationRecordProblem(entry, registeredV2)).toContain('has not seen it opened and signed');
    expect(registrationRecordProblem(held(), { ...registeredV2, record: { ...record, signedOn: '2025-04-16' } })).toContain('has not seen it opened and signed');
  });
});
