import { join } from 'node:path';
import { loadCatalogue } from '../catalogue/catalogue-file';
import { InProcessRanker, modelOf, type StoredSupplyItem } from './catalogue-ranker';
import type { NeedForMatching } from './scoring.types';

const sample = loadCatalogue(join(__dirname, '..', '..', 'catalogue', 'sample-catalogue.json'));
const need: NeedForMatching = { title: '芯片设计', description: '年产三百万颗芯片的设计需求，寻求集成电路设计合作', category: 'tech-breakthrough', technicalField: 'electronic-information', keywords: ['芯片', '集成电路'], regionCode: '320506' };
const stored = (): StoredSupplyItem[] => sample.map(({ id, ...content }) => ({ _id: id, ...content, status: 'active', revision: 0 }));

describe('InProcessRanker', () => {
  it('counts every change of a read (items + Σ revisions) and builds over the active items only', async () => {
    const docs = stored();
    const top = new InProcessRanker(async () => docs);
    const [first] = await top.rank(docs.length, need, { limit: 1 });
    expect(first).toBeDefined();
    const retired = docs.map((d) => (d._id === first.supplyId ? { ...d, status: 'retired' as const, revision: 1 } : d));
    expect(modelOf(retired).changes).toBe(docs.length + 1);
    const after = new InProcessRanker(async () => retired);
    expect(await after.size(docs.length + 1)).toBe(docs.length - 1);
    expect((await after.rank(docs.length + 1, need, { limit: 10 })).map((c) => c.supplyId)).not.toContain(first.supplyId);
  });

  it('rebuilds again for a caller whose count is past a rebuild that read the catalogue before it', async () => {
    const docs = stored();
    let releaseFirstRead!: () => void;
    const reads: number[] = [];
    const load = jest.fn(async () => {
      const snapshot = docs.map((d) => ({ ...d }));
      reads.push(modelOf(snapshot).changes);
      if (reads.length === 1) await new Promise<void>((r) => (releaseFirstRead = r));
      return snapshot;
    });
    const ranker = new InProcessRanker(load);
    const early = ranker.size(docs.length); // its read takes the catalogue before the revision
    await new Promise((r) => setImmediate(r));
    docs[0] = { ...docs[0], revision: 1 }; // a revision lands, and a job counts it while the first read is in flight
    const late = ranker.size(docs.length + 1);
    releaseFirstRead();
    await Promise.all([early, late]);
    expect(reads).toEqual([docs.length, docs.length + 1]); // the late caller was not served the stale model
  });

  it('fails, rather than rank on an older catalogue, when two reads still hold fewer changes than counted', async () => {
    const docs = stored();
    const ranker = new InProcessRanker(async () => docs);
    await expect(ranker.rank(docs.length + 5, need, { limit: 5 })).rejects.toThrow(`the catalogue read holds ${docs.length} changes, fewer than the ${docs.length + 5} counted`);
  });
});
