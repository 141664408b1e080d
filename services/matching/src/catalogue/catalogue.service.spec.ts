import { join } from 'node:path';
import { loadCatalogue } from './catalogue-file';
import { CatalogueService } from './catalogue.service';

// The service's configuration is read at start only (onModuleInit, not called here).
jest.mock('../config', () => ({ config: {} }));

const sample = loadCatalogue(join(__dirname, '..', '..', 'catalogue', 'sample-catalogue.json'));

/** The repository's two reads freshModel uses, with a count whose answer the test releases. */
function fakeItems() {
  const docs: Array<{ _id: string; status: string; revision: number }> = sample.map(({ id, ...content }) => ({ _id: id, ...content, status: 'active', revision: 0 }));
  const pending: Array<() => void> = [];
  const changes = (): number => docs.reduce((n, d) => n + 1 + d.revision, 0);
  return {
    docs,
    changeCount: jest.fn(() => new Promise<number>((resolve) => pending.push(() => resolve(changes())))),
    all: jest.fn(async () => docs),
    /** Answers every count asked so far. */
    answer: () => pending.splice(0).forEach((resolve) => resolve()),
  };
}

describe('CatalogueService.freshModel', () => {
  it('shares one count of changes among the jobs that start while it is in flight, reading as of its start', async () => {
    const items = fakeItems();
    const catalogue = new CatalogueService(items as never, {} as never);
    const before = Date.now();
    const first = catalogue.freshModel();
    await new Promise((r) => setTimeout(r, 5));
    const second = catalogue.freshModel(); // starts later, while the first count is in flight
    items.answer();
    const [a, b] = await Promise.all([first, second]);
    expect(items.changeCount).toHaveBeenCalledTimes(1);
    expect(items.all).toHaveBeenCalledTimes(1);
    expect(b.readAt).toBe(a.readAt); // as of the shared read's start: at or before the second job began
    expect(a.readAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(b.relevance).toBe(a.relevance);
  });

  it('counts again for a job that starts after the count came back, and rebuilds when the catalogue moved on', async () => {
    const items = fakeItems();
    const catalogue = new CatalogueService(items as never, {} as never);
    const first = catalogue.freshModel();
    items.answer();
    const a = await first;
    await new Promise((r) => setTimeout(r, 5));
    items.docs[0] = { ...items.docs[0], revision: 1 }; // a revision lands
    const second = catalogue.freshModel();
    items.answer();
    const b = await second;
    expect(items.changeCount).toHaveBeenCalledTimes(2);
    expect(b.readAt.getTime()).toBeGreaterThan(a.readAt.getTime());
    expect(items.all).toHaveBeenCalledTimes(2);
    expect(b.relevance).not.toBe(a.relevance);
  });
});
