import { BadRequestException, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { conflict, invalid, notFound } from './problem';
import { toProblem } from './problem-details.filter';

describe(toProblem.name, () => {
  it('passes a ProblemException through, with status and instance', () => {
    expect(toProblem(notFound('need', 'need-1'), '/needs/need-1')).toEqual({
      type: '/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'need need-1 does not exist',
      instance: '/needs/need-1',
    });
    expect(toProblem(conflict('already accepted', { current: 'accepted' }), '/x')).toMatchObject({ status: 409, current: 'accepted' });
    const errors = [{ pointer: '/title', reason: 'required' }];
    expect(toProblem(invalid(errors), '/needs')).toMatchObject({ type: '/problems/validation', status: 400, errors });
  });

  it('maps Nest HTTP exceptions to problems', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), '/nope')).toEqual({
      type: '/problems/not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Cannot GET /nope',
      instance: '/nope',
    });
    expect(toProblem(new BadRequestException(['a is required', 'b is too long']), '/x')).toMatchObject({
      type: '/problems/http-400',
      title: 'Bad Request',
      status: 400,
      detail: 'a is required; b is too long',
    });
    expect(toProblem(new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS), '/x')).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      detail: 'slow down',
    });
  });

  it('maps body-parser errors by their type', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, statusCode: 413, type: 'entity.too.large', limit: 65536 });
    expect(toProblem(tooLarge, '/needs')).toEqual({
      type: '/problems/entity-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: 'The request body is larger than the limit of 65536 bytes.',
      instance: '/needs',
    });
    expect(toProblem({ status: 413, type: 'entity.too.large', limit: 65536 }, '/needs')).toMatchObject({ status: 413, type: '/problems/entity-too-large' });
    const malformed = Object.assign(new SyntaxError('Unexpected token } in JSON at position 7'), { status: 400, type: 'entity.parse.failed' });
    expect(toProblem(malformed, '/needs')).toMatchObject({ status: 400, type: '/problems/entity-parse-failed', detail: 'The request body is not valid JSON.' });
    const notUtf8 = Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'encoding.invalid' });
    expect(toProblem(notUtf8, '/needs')).toMatchObject({ status: 400, type: '/problems/encoding-invalid' });
  });

  it('answers anything else with a generic 500 that leaks nothing', () => {
    const secret = 'MongoServerError: auth failed for mongodb://admin:hunter2@db';
    for (const error of [new Error(secret), Object.assign(new Error(secret), { status: 503 }), secret, undefined, null, { statusCode: 'x' }]) {
      const problem = toProblem(error, '/needs');
      expect(problem).toEqual({ type: '/problems/internal', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.', instance: '/needs' });
      expect(JSON.stringify(problem)).not.toContain('hunter2');
    }
  });

  it('answers an unreachable store, Redis or Kafka with a 503 that leaks nothing', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:27017 (mongodb://admin:hunter2@db)'), { name: 'MongoServerSelectionError' });
    const problem = toProblem(refused, '/needs');
    expect(problem).toEqual({
      type: '/problems/unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'A backing service is unavailable. Retry in 5 seconds.',
      instance: '/needs',
    });
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });
});
