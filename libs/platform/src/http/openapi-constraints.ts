import 'reflect-metadata';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { INestApplication, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { targetConstructorToSchema, validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { CONTROL_CHARACTERS } from './request-hygiene';
import { VALIDATOR_RULES, type ApiRule } from './openapi-rules';

type Schema = Record<string, any>;

/** The DTO classes a route validates, by the OpenAPI operationId Nest gives it (`Controller_method`). */
export interface RouteDtos {
  body?: Type<unknown>;
  query?: Type<unknown>;
  path?: Type<unknown>;
}

/** Every route's DTO classes, read from the controllers' parameter metadata. */
export function routeDtos(app: INestApplication): Map<string, RouteDtos> {
  const routes = new Map<string, RouteDtos>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!controller?.prototype) continue;
      for (const method of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = method === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(controller.prototype, method)?.value;
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const args: Record<string, { index: number; data?: unknown }> = Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {};
        const types: unknown[] = Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? [];
        const dtos: RouteDtos = {};
        for (const [key, arg] of Object.entries(args)) {
          const type = types[arg.index];
          // A whole-object DTO only (`@Body() dto: X`), not one field of it (`@Param('id') id: string`).
          if (arg.data !== undefined || typeof type !== 'function' || [String, Number, Boolean, Object, Array].includes(type as never)) continue;
          const kind = Number(key.split(':')[0]);
          if (kind === RouteParamtypes.BODY) dtos.body = type as Type<unknown>;
          else if (kind === RouteParamtypes.QUERY) dtos.query = type as Type<unknown>;
          else if (kind === RouteParamtypes.PARAM) dtos.path = type as Type<unknown>;
        }
        routes.set(`${controller.name}_${method}`, dtos);
      }
    }
  }
  return routes;
}

/**
 * Text refuses control characters but tab, line feed and carriage return (request hygiene), as a JSON
 * Schema pattern: every request string without a pattern, format or enum of its own carries it.
 */
export const TEXT_PATTERN = `^[^${CONTROL_CHARACTERS.source.slice(1, -1)}]*$`;

/** The keywords a validator decorator stands for (IsInt, Min, Max, Length, Matches, IsIn, ArrayMaxSize, IsUUID, …). */
const CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'enum', 'format', 'minItems', 'maxItems', 'uniqueItems'] as const;

/**
 * Writes into the OpenAPI document the rules the validation pipe and request hygiene enforce that
 * JSON Schema can say, so a body the document admits is one the service accepts (but for the rules
 * named in `x-tt-rules`, see openapi-rules):
 * - the class-validator constraints, read from their metadata (class-validator-jsonschema): body
 *   schemas by the route's DTO class (or, without `routes`, by class name), query and path parameters
 *   by the route's query and param DTO classes. A keyword already set with @ApiProperty wins; a
 *   validator `integer` refines a documented `number`;
 * - in every schema a request body reaches: `additionalProperties: false` on objects with declared
 *   properties (unknown fields are refused), and TEXT_PATTERN on free text (no control characters).
 * Returns the rules implied by the body validators (VALIDATOR_RULES) by operationId, for
 * withRuleDescriptions. Run after every module is loaded (the decorators' metadata is then complete).
 */
export function withValidatorConstraints(document: OpenAPIObject, routes?: ReadonlyMap<string, RouteDtos>): { document: OpenAPIObject; implied: Map<string, Set<ApiRule>> } {
  const classes = validationMetadatasToSchemas() as Record<string, Schema>;
  const components = (document.components?.schemas ?? {}) as Record<string, Schema>;
  // The body DTO classes by their schema name (a PartialType's own metadata sits on an anonymous class).
  const bodyClasses = new Map<string, Type<unknown>>();
  for (const dtos of routes?.values() ?? []) if (dtos.body) bodyClasses.set(dtos.body.name, dtos.body);
  for (const [name, schema] of Object.entries(components)) {
    const type = bodyClasses.get(name);
    const validated = (type ? targetConstructorToSchema(type) : classes[name]) as Schema | undefined;
    if (!validated?.properties || !schema.properties) continue;
    for (const [field, documented] of Object.entries(schema.properties as Record<string, Schema>)) {
      if (validated.properties[field] && !('$ref' in documented)) merge(documented, validated.properties[field]);
    }
  }
  const implied = new Map<string, Set<ApiRule>>();
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, Schema>)) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      const dtos = routes?.get(operation.operationId);
      const parameters = (operation.parameters ?? []) as Schema[];
      const names = new Set(parameters.filter((p) => p.in === 'query' || p.in === 'path').map((p) => p.name as string));
      for (const parameter of parameters) {
        if ((parameter.in !== 'query' && parameter.in !== 'path') || !parameter.schema) continue;
        const type = parameter.in === 'query' ? dtos?.query : dtos?.path;
        const source = routes ? (type ? (targetConstructorToSchema(type) as Schema) : undefined) : bestClassFor(classes, parameter.name, names);
        if (source?.properties?.[parameter.name]) merge(parameter.schema, source.properties[parameter.name]);
      }
      const rules = new Set<ApiRule>();
      for (const media of Object.values((operation.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>)) {
        if (media.schema) closeRequestSchema(media.schema, components, rules, bodyClasses, new Set());
      }
      if (rules.size > 0) implied.set(operation.operationId, rules);
    }
  }
  return { document, implied };
}

/**
 * Says of a request schema (and every schema it reaches) what request hygiene and the validation
 * pipe refuse: unknown fields, control characters in text. Collects the rules its validators imply.
 */
function closeRequestSchema(schema: Schema, components: Record<string, Schema>, rules: Set<ApiRule>, bodyClasses: Map<string, Type<unknown>>, seen: Set<Schema>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = components[name];
    if (!target) return;
    for (const rule of impliedRules(bodyClasses.get(name) ?? classNamed(name))) rules.add(rule);
    closeRequestSchema(target, components, rules, bodyClasses, seen);
    return;
  }
  if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
  if (schema.type === 'string' && schema.pattern === undefined && schema.format === undefined && schema.enum === undefined) schema.pattern = TEXT_PATTERN;
  for (const property of Object.values((schema.properties ?? {}) as Record<string, Schema>)) closeRequestSchema(property, components, rules, bodyClasses, seen);
  if (schema.items) closeRequestSchema(schema.items, components, rules, bodyClasses, seen);
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) for (const part of (schema[keyword] ?? []) as Schema[]) closeRequestSchema(part, components, rules, bodyClasses, seen);
}

/** A class that has class-validator metadata, by its name (nested DTOs such as a contract's parties). */
function classNamed(name: string): Type<unknown> | undefined {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Type<unknown>, unknown> };
  for (const target of storage.validationMetadatas.keys()) if (target.name === name) return target;
  return undefined;
}

/** The API rules the class's own (and inherited) validators apply beyond its schema. */
function impliedRules(type: Type<unknown> | undefined): ApiRule[] {
  if (!type) return [];
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false) as { name?: string }[];
  return metadatas.flatMap((m) => (m.name && VALIDATOR_RULES[m.name] ? [VALIDATOR_RULES[m.name]] : []));
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
