import { bulkWriteFailures, isDuplicateKey } from './errors';

describe('bulkWriteFailures', () => {
  it('reads the failures however the driver or mongoose shaped them, in index order', () => {
    expect(bulkWriteFailures({ writeErrors: { index: 3, code: 11000 } })).toEqual([{ index: 3, code: 11000 }]);
    expect(bulkWriteFailures({ writeErrors: [{ index: 5, code: 121 }, { index: 1, code: 11000 }] })).toEqual([
      { index: 1, code: 11000 },
      { index: 5, code: 121 },
    ]);
    // mongoose's copy: the code on `err`
    const copied = bulkWriteFailures({ writeErrors: [{ index: 0, err: { code: 11000 } }] });
    expect(copied).toEqual([{ index: 0, code: 11000 }]);
    expect(isDuplicateKey(copied[0])).toBe(true);
  });

  it('finds none in an error that is not a bulk write error', () => {
    expect(bulkWriteFailures(new Error('network'))).toEqual([]);
    expect(bulkWriteFailures(undefined)).toEqual([]);
  });
});
