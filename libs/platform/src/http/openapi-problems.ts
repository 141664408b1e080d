import type { OpenAPIObject } from '@nestjs/swagger';
import { IF_MATCH_PATTERN } from './conditional-requests';

/**
 * Every operation's error answers in the OpenAPI document, as the platform gives them: RFC 9457
 * problem bodies (`application/problem+json`, schema `Problem`) for the 4xx and 5xx each route can
 * return, and the `Idempotency-Key` header every POST takes. Added to the generated document in one
 * place, so no controller can forget them.
 */
type Operation = { parameters?: { name: string; in: string; schema?: Record<string, unknown> }[]; responses?: Record<string, unknown>; security?: unknown[] };

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', example: '/problems/validation' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      maxItems: 20,
      description: 'The fields at fault, by JSON pointer (or header name), each with its reason',
      items: { type: 'object', required: ['pointer', 'reason'], properties: { pointer: { type: 'string', example: '/contact/phone' }, reason: { type: 'string' } } },
    },
    currentETag: { type: 'string', description: 'On 412: the ETag the resource has now' },
    currentStatus: { type: 'string', description: 'On 409 for a transition: the status the resource is in' },
  },
  additionalProperties: true,
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const responses = (op.responses ??= {});
      const add = (status: string, description: string) => (responses[status] ??= problem(description));
      add('400', 'Invalid input: `errors` names each field (JSON pointer) and why; nothing changed');
      if (op.security === undefined || op.security.length > 0) {
        add('401', 'No bearer token, or one that is invalid or expired');
        add('403', 'The token’s role may not use this operation');
      }
      if (path.includes('{')) add('404', 'No such resource in the caller’s scope (another park’s answers the same)');
      if (method !== 'get') add('409', 'The resource is not in a state that allows this, or a unique value is taken');
      const ifMatch = op.parameters?.find((p) => p.in === 'header' && p.name === 'If-Match');
      if (ifMatch) {
        // The format every If-Match is parsed with (versionFromIfMatch): anything else is a 400.
        ifMatch.schema = { ...ifMatch.schema, type: 'string', pattern: IF_MATCH_PATTERN, example: '"0"' };
        add('412', 'The resource changed since it was read: `currentETag` says its ETag now');
        add('428', 'If-Match is required');
      }
      if (method === 'post') {
        add('422', 'The Idempotency-Key was used with another body');
        if (!op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
          (op.parameters ??= []).push({
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Makes a retry safe: the same key and body answer the first result again (Idempotent-Replayed: true)',
            schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
          } as never);
        }
      }
      add('405', 'The method is not allowed on this resource (`Allow` lists those that are)');
      add('429', 'Over the caller’s rate limit (RATE_LIMIT per principal, shared by all instances): retry after `Retry-After` seconds');
      add('500', 'An unexpected error: nothing about it is disclosed');
      add('503', 'A backing store is away: retry after `Retry-After` seconds');
    }
  }
  return document;
}
