import { BatchScope, type BatchWork } from './batch-scope';

describe('BatchScope (work left to the end of a Kafka batch)', () => {
  const work = (name: string, log: string[], stage?: number, failFirst = false): BatchWork<string> => {
    let fail = failFirst;
    return {
      name,
      stage,
      async settle(items) {
        if (fail) {
          fail = false;
          throw new Error(`${name} failed`);
        }
        log.push(`${name}:${items.join(',')}`);
      },
    };
  };

  it('settles each work once for the batch, each item once, in arrival order, by stage', async () => {
    const log: string[] = [];
    const scope = new BatchScope();
    const feed = work('feed', log, 1);
    const totals = work('totals', log);
    scope.add(feed, 'e1');
    scope.add(totals, 'd1');
    scope.add(totals, 'd2');
    scope.add(totals, 'd1');
    scope.add(feed, 'e2');
    expect(scope.size).toBe(4);
    await scope.settle();
    expect(log).toEqual(['totals:d1,d2', 'feed:e1,e2']);
    expect(scope.size).toBe(0);
    await scope.settle();
    expect(log).toHaveLength(2);
  });

  it('keeps what a failure left unsettled, for the retry, without settling again what was done', async () => {
    const log: string[] = [];
    const scope = new BatchScope();
    scope.add(work('totals', log), 'd1');
    scope.add(work('feed', log, 1, true), 'e1');
    await expect(scope.settle()).rejects.toThrow('feed failed');
    expect(scope.size).toBe(1);
    await scope.settle();
    expect(log).toEqual(['totals:d1', 'feed:e1']);
  });

  it('settles items in the order of the records that left them, whatever order the handlers finished in', async () => {
    const log: string[] = [];
    const scope = new BatchScope();
    const feed = work('feed', log);
    scope.add(feed, 'e12', 12);
    scope.add(feed, 'e10', 10);
    scope.add(feed, 'late'); // no position: after those with one
    scope.add(feed, 'e11', 11);
    scope.add(feed, 'e12', 9); // left again by an earlier record: it settles there
    await scope.settle();
    expect(log).toEqual(['feed:e12,e10,e11,late']);
  });
});
