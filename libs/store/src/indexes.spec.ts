import type { Connection } from 'mongoose';
import { indexesBuilt } from './indexes';

describe(indexesBuilt.name, () => {
  it('resolves only when every model has built its indexes, and fails when one cannot', async () => {
    const finish: Record<string, (error?: Error) => void> = {};
    const fakeConnection = (names: string[]) =>
      ({
        modelNames: () => names,
        model: (name: string) => ({ init: () => new Promise<void>((resolve, reject) => (finish[name] = (error) => (error ? reject(error) : resolve()))) }),
      }) as unknown as Connection;
    let done = false;
    const waiting = indexesBuilt(fakeConnection(['Enterprise', 'Need'])).then(() => (done = true));
    await Promise.resolve();
    finish.Enterprise();
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // Need's indexes are still being built
    finish.Need();
    await waiting;
    expect(done).toBe(true);

    const failing = indexesBuilt(fakeConnection(['Deal']));
    finish.Deal(new Error('E11000 duplicate key: cannot build the unique index'));
    await expect(failing).rejects.toThrow(/cannot build the unique index/);
  });
});
