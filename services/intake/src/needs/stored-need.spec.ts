import { Mongoose } from 'mongoose';
import { storedAsCreated } from '@tt/store';
import { NeedSchema, type Need } from './need.schema';

/**
 * A captured need is inserted without a mongoose document (needs.repository.ts, insertAsCreated): it
 * must be stored exactly as `create` stored it, whichever optional fields the broker sent.
 */
describe('a captured need, stored without a mongoose document', () => {
  const Needs = new Mongoose().model<Need>('Need', NeedSchema);
  const now = new Date('2026-12-07T10:00:00.000Z');
  const outboxEntry = {
    id: '0f6c1f4e-5d9b-4a55-9b4e-0d3f0b7d2b11',
    type: 'cn.techtransfer.need.captured.v1',
    topic: 'techtransfer.needs.v1',
    key: 'need-1',
    source: 'intake',
    time: now.toISOString(),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    data: { needId: 'need-1', keywords: [], title: '碳化硅功率器件封装工艺', budgetMinFen: 0 },
  };
  const base = {
    _id: 'need-1',
    parkId: 'park-binjiang',
    enterpriseId: 'ent-1',
    brokerId: 'broker-007',
    title: '碳化硅功率器件封装工艺',
    description: '年产300万颗芯片的封装良率提升',
    category: 'rd-problem',
    technicalField: 'integrated-circuits',
    keywords: ['碳化硅', '封装'],
    cooperationModes: ['joint-development'],
    confidentiality: 'park-only',
    status: 'open',
    version: 0,
    revision: 0,
    history: [{ status: 'open', at: now, cause: 'captured' }],
    outbox: [outboxEntry],
  };
  const asMongooseStoresIt = (doc: object) => {
    const created = new Needs(doc);
    return { ...created.toObject({ depopulate: true }), createdAt: now, updatedAt: now };
  };

  it.each([
    ['with every optional field left out', { ...base, contact: { name: '张三', phone: '13800000000', email: undefined }, budgetMinFen: undefined, supplyKinds: undefined, minTrl: undefined }],
    [
      'with every optional field',
      {
        ...base,
        contact: { name: '张三', phone: '13800000000', email: 'zhang@example.cn' },
        budgetMinFen: 0,
        budgetMaxFen: 5_000_000_00,
        supplyKinds: ['institute'],
        minTrl: 4,
        neededWithinMonths: 18,
        preferredRegionCodes: ['330100'],
        excludedRegionCodes: ['110000'],
        hardConstraints: ['region'],
        request: { idempotencyKey: 'k-1', fingerprint: 'f'.repeat(64) },
        importId: 'import-1',
      },
    ],
  ])('%s: as `create` would store it', (_case, doc) => {
    expect(storedAsCreated(Needs, doc, now)).toStrictEqual(asMongooseStoresIt(doc));
  });

  it('differs when a field is left undefined that mongoose would default (the check can fail)', () => {
    const { keywords: _left, ...withoutKeywords } = { ...base, contact: { name: '张三', phone: '13800000000' } };
    expect(storedAsCreated(Needs, withoutKeywords, now)).not.toStrictEqual(asMongooseStoresIt(withoutKeywords));
  });
});
