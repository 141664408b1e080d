import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import type { OpenAPIObject } from '@nestjs/swagger';
import { withValidatorConstraints } from './openapi-constraints';

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
    const out = withValidatorConstraints(document) as any;
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
