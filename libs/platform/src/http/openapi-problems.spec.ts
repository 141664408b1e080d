import type { OpenAPIObject } from '@nestjs/swagger';
import { withProblemResponses } from './openapi-problems';

const document = (): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: {
    '/needs': { get: { responses: { '200': { description: 'ok' } } }, post: { responses: { '201': { description: 'created' } } } },
    '/needs/{id}': {
      patch: { parameters: [{ name: 'id', in: 'path', required: true }, { name: 'If-Match', in: 'header', required: true }], responses: { '200': { description: 'ok' } } },
    },
  },
});

describe(withProblemResponses.name, () => {
  const withProblems = withProblemResponses(document());
  const statuses = (path: string, method: string) => Object.keys((withProblems.paths as any)[path][method].responses).sort();

  it('documents the problem answers each operation can give, with the Problem schema', () => {
    expect(statuses('/needs', 'get')).toEqual(['200', '400', '401', '403', '405', '429', '500', '503']);
    expect(statuses('/needs', 'post')).toEqual(['201', '400', '401', '403', '405', '409', '422', '429', '500', '503']);
    expect(statuses('/needs/{id}', 'patch')).toEqual(['200', '400', '401', '403', '404', '405', '409', '412', '428', '429', '500', '503']);
    expect((withProblems.paths as any)['/needs'].get.responses['400'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    expect(withProblems.components?.schemas?.Problem).toMatchObject({ required: ['type', 'title', 'status'] });
  });

  it('puts the Idempotency-Key header on every POST, once', () => {
    const post = (withProblems.paths as any)['/needs'].post;
    expect(post.parameters.filter((p: { name: string }) => p.name === 'Idempotency-Key')).toHaveLength(1);
    expect(withProblemResponses(withProblems).paths['/needs'].post!.parameters!.filter((p: any) => p.name === 'Idempotency-Key')).toHaveLength(1);
    expect((withProblems.paths as any)['/needs'].get.parameters).toBeUndefined();
  });
});
