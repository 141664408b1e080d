import type { OpenAPIObject } from '@nestjs/swagger';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

type Schema = Record<string, any>;

/** The keywords a validator decorator stands for (IsInt, Min, Max, Length, Matches, IsIn, ArrayMaxSize, IsUUID, …). */
const CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'enum', 'format', 'minItems', 'maxItems', 'uniqueItems'] as const;

/**
 * Writes into the OpenAPI document the constraints the class-validator decorators enforce, read from
 * their metadata (class-validator-jsonschema), so the document says what the validation pipe will
 * refuse: body schemas by class name, query and path parameters by the DTO class whose fields they
 * are. A keyword already set with @ApiProperty wins; a validator `integer` refines a documented `number`.
 * Run after every module is loaded (the decorators' metadata is then complete).
 */
export function withValidatorConstraints(document: OpenAPIObject): OpenAPIObject {
  const classes = validationMetadatasToSchemas() as Record<string, Schema>;
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    const validated = classes[name];
    if (!validated?.properties || !('properties' in schema) || !schema.properties) continue;
    for (const [field, documented] of Object.entries(schema.properties as Record<string, Schema>)) {
      if (validated.properties[field] && !('$ref' in documented)) merge(documented, validated.properties[field]);
    }
  }
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, { parameters?: Schema[] }>)) {
      if (!operation || typeof operation !== 'object' || !operation.parameters) continue;
      const names = new Set(operation.parameters.filter((p) => p.in === 'query' || p.in === 'path').map((p) => p.name as string));
      for (const parameter of operation.parameters) {
        if ((parameter.in !== 'query' && parameter.in !== 'path') || !parameter.schema) continue;
        const source = bestClassFor(classes, parameter.name, names);
        if (source) merge(parameter.schema, source.properties[parameter.name]);
      }
    }
  }
  return document;
}

/** Among the DTO classes with this field, the one sharing the most fields with the operation's parameters. */
function bestClassFor(classes: Record<string, Schema>, field: string, names: Set<string>): Schema | undefined {
  let best: Schema | undefined;
  let bestOverlap = 0;
  for (const schema of Object.values(classes)) {
    if (!schema.properties?.[field]) continue;
    const overlap = Object.keys(schema.properties).filter((f) => names.has(f)).length;
    if (overlap > bestOverlap) [best, bestOverlap] = [schema, overlap];
  }
  return best;
}

function merge(documented: Schema, validated: Schema): void {
  // A comma-separated query value is validated as an array after its transform: the wire form stays a string.
  if (documented.type && validated.type && documented.type !== validated.type && !(documented.type === 'number' && validated.type === 'integer')) return;
  if (documented.type === 'number' && validated.type === 'integer') documented.type = 'integer';
  for (const keyword of CONSTRAINTS) {
    if (validated[keyword] === undefined || documented[keyword] !== undefined) continue;
    documented[keyword] = keyword === 'format' && validated.format === 'url' ? 'uri' : validated[keyword];
  }
  if (documented.type === 'array' && documented.items && validated.items && !('$ref' in documented.items)) merge(documented.items, validated.items);
}
