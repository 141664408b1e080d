import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { Body, Controller, Param, Patch, Query } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { OpenAPIObject } from '@nestjs/swagger';
import { IsKnownRegion } from './domain-validators';
import { routeDtos, TEXT_PATTERN, withValidatorConstraints } from './openapi-constraints';

class ConstraintsProbeBody {
  @IsString()
  @MaxLength(200)
  title!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  rank!: number;

  @ArrayMaxSize(5)
  @Matches(/^[a-z]{1,8}$/, { each: true })
  tags!: string[];
}

class ConstraintsProbeQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;

  @IsOptional()
  @IsIn(['xlsx', 'csv'])
  format?: string;
}

class ConstraintsProbeNested {
  @IsString()
  @Matches(/^[0-9]{6}$/)
  @IsKnownRegion()
  regionCode!: string;
}

class ConstraintsProbeParam {
  @IsUUID()
  id!: string;
}

describe(withValidatorConstraints.name, () => {
  it('writes the validators’ constraints into body schemas and into query and path parameters', () => {
    void [ConstraintsProbeBody, ConstraintsProbeQuery, ConstraintsProbeParam];
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      components: {
        schemas: {
          ConstraintsProbeBody: {
            type: 'object',
            properties: { title: { type: 'string' }, rank: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
      paths: {
        '/probes/{id}': {
          get: {
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'year', in: 'query', required: false, schema: { type: 'number' } },
              { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['xlsx', 'csv'] } },
            ],
            responses: {},
          },
        },
      },
    } as unknown as OpenAPIObject;
    const out = withValidatorConstraints(document).document as any;
    expect(out.components.schemas.ConstraintsProbeBody.properties).toEqual({
      title: { type: 'string', maxLength: 200 },
      rank: { type: 'integer', minimum: 1, maximum: 10 },
      tags: { type: 'array', maxItems: 5, items: { type: 'string', pattern: '^[a-z]{1,8}$' } },
    });
    const [id, year, format] = out.paths['/probes/{id}'].get.parameters.map((p: { schema: object }) => p.schema);
    expect(id).toEqual({ type: 'string', format: 'uuid' });
    expect(year).toEqual({ type: 'integer', minimum: 2000, maximum: 2100 });
    expect(format).toEqual({ type: 'string', enum: ['xlsx', 'csv'] });
  });
});

describe('request bodies in the document', () => {
  it('refuse unknown fields and control characters, and name the rules their validators apply beyond the schema', () => {
    void ConstraintsProbeNested;
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      components: {
        schemas: {
          ConstraintsProbeOuter: {
            type: 'object',
            properties: { note: { type: 'string' }, day: { type: 'string', format: 'date' }, place: { $ref: '#/components/schemas/ConstraintsProbeNested' }, free: { type: 'object', additionalProperties: true } },
          },
          ConstraintsProbeNested: { type: 'object', properties: { regionCode: { type: 'string' } } },
        },
      },
      paths: {
        '/probes': {
          post: {
            operationId: 'ProbesController_create',
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/ConstraintsProbeOuter' } } } },
            responses: {},
          },
        },
      },
    } as unknown as OpenAPIObject;
    const { document: out, implied } = withValidatorConstraints(document) as { document: any; implied: Map<string, Set<string>> };
    const { ConstraintsProbeOuter: outer, ConstraintsProbeNested: nested } = out.components.schemas;
    expect(outer.additionalProperties).toBe(false);
    expect(outer.properties.note.pattern).toBe(TEXT_PATTERN);
    expect(outer.properties.day).toEqual({ type: 'string', format: 'date' });
    expect(outer.properties.free.additionalProperties).toBe(true);
    expect(nested).toEqual({ type: 'object', properties: { regionCode: { type: 'string', pattern: '^[0-9]{6}$' } }, additionalProperties: false });
    expect([...(implied.get('ProbesController_create') ?? [])]).toEqual(['region-exists']);
    // TEXT_PATTERN is the request hygiene's control-character rule, stated for JSON Schema.
    expect(new RegExp(TEXT_PATTERN).test('第一行\n\t第二行')).toBe(true);
    expect(new RegExp(TEXT_PATTERN).test('a\u0000b')).toBe(false);
    expect(new RegExp(TEXT_PATTERN).test('\u001b[31m')).toBe(false);
  });
});

class ProbeSlugParam {
  @Matches(/^[a-z]{3}-[0-9]{4}$/)
  id!: string;
}

@Controller('probes')
class ProbesController {
  @Patch(':id')
  revise(@Param() _param: ProbeSlugParam, @Query() _query: ConstraintsProbeQuery, @Body() _body: ConstraintsProbeBody, @Param('id') _id: string) {}
}

describe(routeDtos.name, () => {
  it('finds each route’s body, query and path DTO classes, so a path parameter takes its own class’s rules', async () => {
    const module = await Test.createTestingModule({ controllers: [ProbesController] }).compile();
    const app = module.createNestApplication();
    const routes = routeDtos(app);
    expect(routes.get('ProbesController_revise')).toEqual({ body: ConstraintsProbeBody, query: ConstraintsProbeQuery, path: ProbeSlugParam });
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: { '/probes/{id}': { patch: { operationId: 'ProbesController_revise', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: {} } } },
    } as unknown as OpenAPIObject;
    // ConstraintsProbeParam also has an `id` (a uuid): the route's own class decides.
    const out = withValidatorConstraints(document, routes).document as any;
    expect(out.paths['/probes/{id}'].patch.parameters[0].schema).toEqual({ type: 'string', pattern: '^[a-z]{3}-[0-9]{4}$' });
    await app.close();
  });
});
