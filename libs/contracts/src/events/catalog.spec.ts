import {
  EVENT_EXAMPLES,
  ALL_DEAD_LETTER_TOPICS,
  ALL_TOPICS,
  ContractSignedV1,
  EVENT_CATALOG,
  EVENT_TYPES,
  TOPICS,
  TransactionLoggedV1,
  deadLetterTopicOf,
  findEventDefinition,
  isEventType,
  payloadJsonSchema,
  type EventType,
  type PayloadOf,
} from '../index';


const samples = EVENT_EXAMPLES;

const accepts = (type: EventType, payload: unknown) => EVENT_CATALOG[type].schema.safeParse(payload).success;
const issuePaths = (type: EventType, payload: unknown) =>
  EVENT_CATALOG[type].schema.safeParse(payload).error?.issues.map((i) => i.path.join('.')) ?? [];

describe('EVENT_CATALOG', () => {
  it('has a sample for every event type, and every sample is valid', () => {
    expect(Object.keys(samples).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect({ type, issues: issuePaths(type, samples[type]) }).toEqual({ type, issues: [] });
  });

  it('indexes each definition under its own type', () => {
    for (const [type, definition] of Object.entries(EVENT_CATALOG)) expect(definition.type).toBe(type);
    expect(findEventDefinition('cn.techtransfer.need.captured.v1')).toBe(EVENT_CATALOG['cn.techtransfer.need.captured.v1']);
    expect(findEventDefinition('cn.techtransfer.need.deleted.v1')).toBeUndefined();
    expect(isEventType('toString')).toBe(false);
    expect(isEventType('cn.techtransfer.deal.opened.v1')).toBe(true);
  });

  it.each(EVENT_TYPES)('%s travels on a known topic', (type) => {
    expect(ALL_TOPICS).toContain(EVENT_CATALOG[type].topic);
  });

  it.each(EVENT_TYPES)('%s rejects unknown fields', (type) => {
    expect(accepts(type, { ...samples[type], unexpected: 'x' })).toBe(false);
    expect(accepts(type, { ...samples[type], $where: '1' })).toBe(false);
  });

  it.each(EVENT_TYPES)('%s rejects a payload without its key fields', (type) => {
    expect(accepts(type, {})).toBe(false);
  });

  it.each(EVENT_TYPES)('%s: keyOf gives the aggregate id (needId on need and match topics, dealId on the deal topic, supplyId on the supply topic)', (type) => {
    const definition = EVENT_CATALOG[type];
    const payload = samples[type] as Record<string, unknown>;
    const supplyId = (payload.item as { supplyId?: string } | undefined)?.supplyId ?? payload.supplyId;
    const expected = definition.topic === TOPICS.deal ? payload.dealId : definition.topic === TOPICS.supply ? supplyId : payload.needId;
    expect((definition.keyOf as (p: unknown) => string)(payload)).toBe(expected);
  });

  it('rejects nested unknown fields (the nested objects are strict too)', () => {
    const proposed = samples['cn.techtransfer.match.proposed.v1'];
    const proposal = {
      proposalId: 'p',
      supplyId: 's',
      supplyKind: 'expert',
      supplyName: '张教授',
      score: 0.5,
      rank: 1,
      reasons: [{ kind: 'field', detail: '同领域', contribution: 0.2 }],
    };
    expect(accepts('cn.techtransfer.match.proposed.v1', { ...proposed, proposals: [proposal] })).toBe(true);
    expect(accepts('cn.techtransfer.match.proposed.v1', { ...proposed, proposals: [{ ...proposal, extra: 1 }] })).toBe(false);
    const signed = samples['cn.techtransfer.contract.signed.v1'];
    expect(accepts('cn.techtransfer.contract.signed.v1', { ...signed, parties: [...signed.parties, { role: 'buyer', name: 'x', phone: '1' }] })).toBe(false);
  });

  describe('amounts in fen', () => {
    const amountFields: [EventType, string][] = [
      ['cn.techtransfer.need.captured.v1', 'budgetMinFen'],
      ['cn.techtransfer.need.captured.v1', 'budgetMaxFen'],
      ['cn.techtransfer.contract.signed.v1', 'contractAmountFen'],
      ['cn.techtransfer.contract.signed.v1', 'techTransactionAmountFen'],
      ['cn.techtransfer.transaction.logged.v1', 'contractAmountFen'],
      ['cn.techtransfer.transaction.logged.v1', 'techTransactionAmountFen'],
    ];

    it.each(amountFields)('%s.%s rejects fractions, negatives, unsafe integers and strings', (type, field) => {
      for (const bad of [0.5, 100.01, -1, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity, '100']) {
        // Keep tech ≤ contract so that only the amount itself can be the problem.
        const payload = { ...samples[type], [field]: bad } as Record<string, unknown>;
        if (field === 'techTransactionAmountFen') payload.contractAmountFen = Number.MAX_SAFE_INTEGER;
        expect({ bad, paths: issuePaths(type, payload) }).toEqual({ bad, paths: expect.arrayContaining([field]) });
      }
      expect(accepts(type, { ...samples[type], [field]: 0, ...(field === 'contractAmountFen' ? { techTransactionAmountFen: 0 } : {}) })).toBe(true);
    });
  });

  describe.each([ContractSignedV1.type, TransactionLoggedV1.type] as const)('%s', (type) => {
    it('rejects a technology transaction amount above the contract amount', () => {
      const sample = samples[type];
      const above = { ...sample, contractAmountFen: 100_000, techTransactionAmountFen: 100_001 };
      expect(issuePaths(type, above)).toEqual(['techTransactionAmountFen']);
      expect(accepts(type, { ...sample, contractAmountFen: 100_000, techTransactionAmountFen: 100_000 })).toBe(true);
      expect(accepts(type, { ...sample, contractAmountFen: 100_000, techTransactionAmountFen: 0 })).toBe(true);
    });
  });

  it('rejects a date-time without an offset and a date that does not exist', () => {
    expect(accepts('cn.techtransfer.need.captured.v1', { ...samples['cn.techtransfer.need.captured.v1'], capturedAt: '2025-03-01 09:30' })).toBe(false);
    expect(accepts('cn.techtransfer.contract.signed.v1', { ...samples['cn.techtransfer.contract.signed.v1'], signedOn: '2025-02-30' })).toBe(false);
  });

  it.each(EVENT_TYPES)('%s has a JSON schema that forbids additional properties', (type) => {
    expect(payloadJsonSchema(type)).toMatchObject({ type: 'object', additionalProperties: false });
  });
});

describe('topics', () => {
  it('lists every topic once, named <product>.<context>.<aggregate>.v<N>', () => {
    expect(new Set(ALL_TOPICS).size).toBe(ALL_TOPICS.length);
    expect([...ALL_TOPICS].sort()).toEqual(Object.values(TOPICS).sort());
    for (const topic of ALL_TOPICS) expect(topic).toMatch(/^techtransfer\.[a-z-]+\.[a-z-]+\.v\d+$/);
  });

  it('every topic carries at least one event type', () => {
    for (const topic of ALL_TOPICS) expect(EVENT_TYPES.some((t) => EVENT_CATALOG[t].topic === topic)).toBe(true);
  });

  it(`${deadLetterTopicOf.name} appends .dlq, and every topic has its dead-letter twin`, () => {
    expect(deadLetterTopicOf('techtransfer.intake.need.v1')).toBe('techtransfer.intake.need.v1.dlq');
    expect(ALL_DEAD_LETTER_TOPICS).toEqual(ALL_TOPICS.map((t) => `${t}.dlq`));
  });
});

describe('registry events', () => {
  const logged = EVENT_EXAMPLES['cn.techtransfer.transaction.logged.v2'];
  const withRecord = (change: Record<string, unknown>) => ({ ...logged, record: { ...logged.record, ...change } });
  const paths = (payload: unknown) => issuePaths('cn.techtransfer.transaction.logged.v2', payload);

  it('refuses a subtype of another contract type', () => {
    expect(paths(withRecord({ contractSubtype: 'licensing.patent-implementation' }))).toEqual(['record.contractSubtype']);
  });

  it('refuses a record without a seller, and a domestic party without a region', () => {
    const buyersOnly = logged.record.parties.map((p) => ({ ...p, role: 'buyer' as const }));
    expect(paths(withRecord({ parties: buyersOnly }))).toEqual(['record.parties']);
    const [buyer, seller] = logged.record.parties;
    expect(paths(withRecord({ parties: [buyer, { ...seller, regionCode: undefined }] }))).toEqual(['record.parties.1.regionCode']);
    expect(paths(withRecord({ parties: [buyer, { role: 'seller', name: 'Fraunhofer IIS', nature: 'overseas', countryCode: 'DE' }] }))).toEqual([]);
  });

  it('refuses a registration number of another year, a technology amount above the contract amount, a bad credit code', () => {
    expect(paths(withRecord({ registrationNumber: '2024330108000123' }))).toEqual(['record.registrationNumber']);
    expect(paths(withRecord({ techTransactionAmountFen: logged.record.contractAmountFen + 1 }))).toEqual(['record.techTransactionAmountFen']);
    const [buyer, seller] = logged.record.parties;
    expect(paths(withRecord({ parties: [{ ...buyer, creditCode: '91330108MA2CFXXX0P' }, seller] }))).toEqual(['record.parties.0.creditCode']);
  });

  it('logs revision 0 only; corrections and revocations carry a later revision', () => {
    expect(paths({ ...logged, revision: 1 })).toEqual(['revision']);
    const revoked = EVENT_EXAMPLES['cn.techtransfer.transaction.revoked.v1'];
    expect(issuePaths('cn.techtransfer.transaction.revoked.v1', { ...revoked, revision: 0 })).toEqual(['revision']);
  });
});
