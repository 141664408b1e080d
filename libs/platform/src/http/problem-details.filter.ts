import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isTransientError } from '@tt/store';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem';

const RETRY_AFTER_SECONDS = 5;

/**
 * Every HTTP error leaves as RFC 9457 `application/problem+json`. Unexpected errors are logged here
 * with their stack and answered with a generic 500: nothing internal reaches the client.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    // The path without its query: a query may carry what must not be echoed (a token sent as `?access_token=`).
    const problem = toProblem(exception, (request.originalUrl ?? request.url).split('?')[0]);
    if (problem.status === HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.warn(`${request.method} ${request.originalUrl}: 503, ${(exception as Error)?.message ?? String(exception)}`);
    } else if (problem.status >= 500) {
      this.logger.error(`${request.method} ${request.originalUrl}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
    if (!response.headersSent) {
      if (problem.status === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
    }
  }
}

export function toProblem(exception: unknown, instance: string): ProblemDetails {
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'type' in body && 'title' in body) {
      return { ...(body as ProblemDetails), status, instance };
    }
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    return {
      type: status === HttpStatus.NOT_FOUND ? '/problems/not-found' : `/problems/http-${status}`,
      title: HttpStatus[status] ? titleCase(HttpStatus[status]) : 'Error',
      status,
      detail: Array.isArray(message) ? message.join('; ') : String(message ?? exception.message),
      instance,
    };
  }
  if (isTransientError(exception)) {
    // The store, Redis or Kafka is away: the same request will work again. (Whether a write went
    // through before the connection broke is what the retry finds out: 409 for a transition already
    // made, the first answer for a create with the same Idempotency-Key.)
    return {
      type: '/problems/unavailable',
      title: 'Service Unavailable',
      status: HttpStatus.SERVICE_UNAVAILABLE,
      detail: `A backing service is unavailable. Retry in ${RETRY_AFTER_SECONDS} seconds.`,
      instance,
    };
  }
  const status = httpStatusOf(exception);
  if (status && status < 500) {
    // Errors raised by the body parser (too large, malformed JSON, bad encoding) carry a status and a type.
    const type = (exception as { type?: string }).type ?? 'bad-request';
    return { type: `/problems/${type.replace(/\./g, '-')}`, title: titleCase(HttpStatus[status] ?? 'Bad Request'), status, detail: bodyErrorDetail(type, exception), instance };
  }
  return { type: '/problems/internal', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.', instance };
}

function httpStatusOf(exception: unknown): number | undefined {
  const e = exception as { status?: unknown; statusCode?: unknown } | null;
  const status = e?.status ?? e?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function bodyErrorDetail(type: string, exception: unknown): string {
  switch (type) {
    case 'entity.too.large':
      return `The request body is larger than the limit of ${(exception as { limit?: number }).limit ?? '?'} bytes.`;
    case 'entity.parse.failed':
      return 'The request body is not valid JSON.';
    case 'encoding.invalid':
      return 'The request body is not valid UTF-8.';
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return 'Only UTF-8 encoded JSON is accepted.';
    default:
      return (exception as Error)?.message ?? 'Bad request.';
  }
}

function titleCase(constant: string): string {
  return constant
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}
