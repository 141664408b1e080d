import 'reflect-metadata';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { HasCreditCodeCheckCharacter, IsKnownRegion } from './domain-validators';
import { API_RULES, RULES_EXTENSION, VALIDATOR_RULES, withRuleDescriptions } from './openapi-rules';

const document = (rules?: string[]) =>
  ({
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: {
      '/needs': { post: { operationId: 'NeedsController_capture', responses: {}, ...(rules ? { [RULES_EXTENSION]: rules } : {}) } },
      '/needs/{id}': { get: { operationId: 'NeedsController_get', responses: {} } },
    },
  }) as unknown as OpenAPIObject;

describe(withRuleDescriptions.name, () => {
  it('merges the named and the implied rules and describes those used at the top level', () => {
    const out = withRuleDescriptions(document(['enterprise-in-park']), new Map([['NeedsController_capture', new Set(['region-exists'] as const)]])) as any;
    expect(out.paths['/needs'].post[RULES_EXTENSION]).toEqual(['enterprise-in-park', 'region-exists']);
    expect(out.paths['/needs'].post.description).toContain(`- region-exists: ${API_RULES['region-exists']}`);
    expect(out.paths['/needs/{id}'].get[RULES_EXTENSION]).toBeUndefined();
    expect(out.paths['/needs/{id}'].get.description).toBeUndefined();
    expect(out[RULES_EXTENSION]).toEqual({ 'enterprise-in-park': API_RULES['enterprise-in-park'], 'region-exists': API_RULES['region-exists'] });
  });

  it('refuses a rule that is not in the registry', () => {
    expect(() => withRuleDescriptions(document(['made-up-rule']))).toThrow(/made-up-rule/);
  });

  it('knows a rule for every validator of the platform that checks more than a pattern', () => {
    class Probe {
      @IsKnownRegion()
      regionCode!: string;

      @HasCreditCodeCheckCharacter()
      creditCode!: string;
    }
    const names = getMetadataStorage()
      .getTargetValidationMetadatas(Probe, '', true, false)
      .map((m) => m.name);
    expect(names.sort()).toEqual(Object.keys(VALIDATOR_RULES).sort());
    for (const rule of Object.values(VALIDATOR_RULES)) expect(API_RULES[rule]).toBeTruthy();
  });
});
