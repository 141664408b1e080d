import { join } from 'node:path';
import { loadCatalogue } from './catalogue-file';
import { InProcessRanker, type StoredSupplyItem } from '../scoring/catalogue-ranker';
import type { NeedForMatching } from '../scoring/scoring.types';
import { CatalogueService } from './catalogue.service';

// The service's configuration is read at start only (onModuleInit, not called here).
jest.mock('../config', () => ({ config: {} }));

const sample = loadCatalogue(join(__dirname, '..', '..', 'catalogue', 'sample-catalogue.json'));

const need: NeedForMatching = { title: '锂电池隔膜涂覆工艺', description: '提升隔膜耐热性', category: 'tech-breakthrough', technicalField: 'new-energy', keywords: ['锂电池'], regionCode: '320500' };

/** The catalogue service over the fake reads, ranking in this thread (the service's worker runs the same ranker). */
const serviceOver = (items: ReturnType<typeof fakeItems>) => new CatalogueService(items as never, {} as never, new InProcessRanker(items.readCatalogue));

/** The two reads behind freshModel: the repository's count (whose answer the test releases) and the catalogue read the ranker builds from. */
function fakeItems() {
  const docs: StoredSupplyItem[] = sample.map(({ id, ...content }) => ({ _id: id, ...content, status: 'active', revision: 0 }));
  const pending: Array<() => void> = [];
  const changes = (): number => docs.reduce((n, d) => n + 1 + d.revision, 0);
  return {
    docs,
    changeCount: jest.fn(() => new Promise<number>((resolve) => pending.push(() => resolve(changes())))),
    readCatalogue: jest.fn(async () => docs),
    /** Answers every count asked so far. */
    answer: () => pending.splice(0).forEach((resolve) => resolve()),
  };
}

describe('CatalogueService.freshModel', () => {
  it('shares one count of changes among the jobs that start while it is in flight, reading as of its start', async () => {
    const items = fakeItems();
    const catalogue = serviceOver(items);
    const before = Date.now();
    const first = catalogue.freshModel();
    await new Promise((r) => setTimeout(r, 5));
    const second = catalogue.freshModel(); // starts later, while the first count is in flight
    items.answer();
    const [a, b] = await Promise.all([first, second]);
    expect(items.changeCount).toHaveBeenCalledTimes(1);
    expect(b.readAt).toBe(a.readAt); // as of the shared read's start: at or before the second job began
    expect(a.readAt.getTime()).toBeGreaterThanOrEqual(before);
    const [rankedA, rankedB] = await Promise.all([a.relevance.rank(need, { limit: 5 }), b.relevance.rank(need, { limit: 5 })]);
    expect(items.readCatalogue).toHaveBeenCalledTimes(1); // one model for both
    expect(rankedB).toEqual(rankedA);
  });

  it('counts again for a job that starts after the count came back, and rebuilds when the catalogue moved on', async () => {
    const items = fakeItems();
    const catalogue = serviceOver(items);
    const first = catalogue.freshModel();
    items.answer();
    const a = await first;
    await a.relevance.rank(need, { limit: 5 });
    await new Promise((r) => setTimeout(r, 5));
    items.docs[0] = { ...items.docs[0], revision: 1 }; // a revision lands
    const second = catalogue.freshModel();
    items.answer();
    const b = await second;
    expect(items.changeCount).toHaveBeenCalledTimes(2);
    expect(b.readAt.getTime()).toBeGreaterThan(a.readAt.getTime());
    await b.relevance.rank(need, { limit: 5 });
    expect(items.readCatalogue).toHaveBeenCalledTimes(2); // rebuilt for the revision
    await a.relevance.rank(need, { limit: 5 });
    expect(items.readCatalogue).toHaveBeenCalledTimes(2); // a model with more changes serves a job that counted fewer
  });
});
