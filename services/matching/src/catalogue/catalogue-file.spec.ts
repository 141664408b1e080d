import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUPPLY_KIND_CODES, TECHNICAL_FIELD_CODES } from '@tt/contracts';
import { loadCatalogue } from './catalogue-file';

const samplePath = join(__dirname, '..', '..', 'catalogue', 'sample-catalogue.json');

describe('loadCatalogue', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a modified copy of the sample catalogue and returns its path. */
  function corrupted(mutate: (items: Record<string, unknown>[]) => void): string {
    const items = JSON.parse(readFileSync(samplePath, 'utf8')) as Record<string, unknown>[];
    mutate(items);
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(items));
    return path;
  }

  it('validates the sample catalogue, which covers every field and kind', () => {
    const items = loadCatalogue(samplePath);
    expect(items.length).toBeGreaterThanOrEqual(40);
    expect(new Set(items.map((i) => i.technicalField))).toEqual(new Set(TECHNICAL_FIELD_CODES));
    expect(new Set(items.map((i) => i.kind))).toEqual(new Set(SUPPLY_KIND_CODES));
  });

  it('rejects duplicate ids', () => {
    const path = corrupted((items) => items.push({ ...items[0] }));
    expect(() => loadCatalogue(path)).toThrow(/duplicate id inst-0001 \(also at index 0\)/);
  });

  it.each([
    ['unknown technical field', (i: Record<string, unknown>) => (i.technicalField = 'quantum'), /\[3\.technicalField\]/],
    ['5-digit region code', (i: Record<string, unknown>) => (i.regionCode = '11010'), /\[3\.regionCode\]/],
    ['TRL out of range', (i: Record<string, unknown>) => (i.trl = 10), /\[3\.trl\]/],
    ['fractional TRL', (i: Record<string, unknown>) => (i.trl = 6.5), /\[3\.trl\]/],
    ['empty keywords', (i: Record<string, unknown>) => (i.keywords = []), /\[3\.keywords\]/],
    ['bad id', (i: Record<string, unknown>) => (i.id = 'inst-1'), /inst-0001/],
    ['id prefix not matching kind', (i: Record<string, unknown>) => (i.kind = 'expert'), /id prefix does not match kind/],
    ['unknown property', (i: Record<string, unknown>) => (i.price = 1), /price/],
  ])('rejects an item with %s', (_label, mutate, message) => {
    const path = corrupted((items) => mutate(items[3]));
    expect(() => loadCatalogue(path)).toThrow(message);
  });

  /** The kinds' own facts: required where a kind has them, checked against the kind's schema. */
  it.each([
    ['a finance product without details', 'fin-0001', (i: Record<string, unknown>) => delete i.details, /\[\d+\.details\] details are required for a finance-product/],
    ['a loan whose minimum exceeds its maximum', 'fin-0001', (i: Record<string, unknown>) => ((i.details as Record<string, number>).amountMinFen = 9e12), /details\.amountMinFen/],
    ['an instrument with a TRL', 'equip-0001', (i: Record<string, unknown>) => (i.trl = 5), /a shared-equipment has no trl/],
    ['a service agency offering an unknown service', 'svc-0001', (i: Record<string, unknown>) => ((i.details as Record<string, unknown>).serviceTypes = ['massage']), /details\.serviceTypes\.0/],
    ['an achievement with an unknown IP type', 'ach-0001', (i: Record<string, unknown>) => (i.details = { ipType: 'trademark' }), /details\.ipType/],
    ['an achievement without a TRL', 'ach-0001', (i: Record<string, unknown>) => delete i.trl, /trl \(技术就绪度 1\.\.9\) is required for achievements/],
    ['a service area entry that is not a region code', 'svc-0001', (i: Record<string, unknown>) => (i.serviceArea = ['43']), /serviceArea/],
  ])('rejects %s', (_label, id, mutate, message) => {
    const path = corrupted((items) => mutate(items.find((i) => i.id === id)!));
    expect(() => loadCatalogue(path)).toThrow(message);
  });

  it('reports an unreadable file clearly', () => {
    expect(() => loadCatalogue(join(dir, 'missing.json'))).toThrow(/cannot read catalogue/);
  });
});
