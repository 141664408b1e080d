import { fieldAffinity, fieldLabel, HIGH_TECH_FIELD_OF_REGISTRY_FIELD, registryFieldsOf } from './field-taxonomy';
import { REGISTRY_TECHNICAL_FIELD_CODES } from './registry';
import { TECHNICAL_FIELD_CODES } from './vocabulary';

describe('the field taxonomy', () => {
  it('puts every registry 技术领域 under exactly one 高新技术领域, and every high-tech field covers one or more', () => {
    expect(Object.keys(HIGH_TECH_FIELD_OF_REGISTRY_FIELD).sort()).toEqual([...REGISTRY_TECHNICAL_FIELD_CODES].sort());
    const covered = TECHNICAL_FIELD_CODES.flatMap((f) => registryFieldsOf(f));
    expect(covered.sort()).toEqual([...REGISTRY_TECHNICAL_FIELD_CODES].sort());
    for (const field of TECHNICAL_FIELD_CODES) expect(registryFieldsOf(field).length).toBeGreaterThan(0);
  });

  it('relates fields symmetrically: 1 the same, 0.5 neighbours, 0 otherwise', () => {
    for (const a of TECHNICAL_FIELD_CODES) {
      expect(fieldAffinity(a, a)).toBe(1);
      for (const b of TECHNICAL_FIELD_CODES) expect(fieldAffinity(a, b)).toBe(fieldAffinity(b, a));
    }
    expect(fieldAffinity('new-materials', 'new-energy')).toBe(0.5);
    expect(fieldAffinity('biomedicine', 'aerospace')).toBe(0);
  });

  it('labels a field with the registry fields it covers', () => {
    expect(fieldLabel('new-energy')).toBe('新能源与节能（登记：新能源与高效节能、核应用）');
  });
});
