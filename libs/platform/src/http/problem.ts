import { HttpException, HttpStatus } from '@nestjs/common';

/** One thing wrong with the request: where (JSON pointer into the body, or the query/path name) and why. */
export interface InvalidParam {
  /** RFC 6901 pointer such as `/contact/phone`, or `query.page` / `path.id` outside the body. */
  pointer: string;
  reason: string;
}

/** RFC 9457 problem details. `type` URIs are relative references documented in the service README. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: InvalidParam[];
  [extension: string]: unknown;
}

export interface ProblemInit {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: InvalidParam[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Throw this to answer with a specific problem. */
export class ProblemException extends HttpException {
  constructor(problem: ProblemInit) {
    super({ ...problem, type: problem.type ?? `/problems/${slug(problem.title)}` }, problem.status);
  }
}

export const notFound = (what: string, id: string) =>
  new ProblemException({ status: HttpStatus.NOT_FOUND, title: 'Not Found', type: '/problems/not-found', detail: `${what} ${id} does not exist` });

export const conflict = (detail: string, extra: Record<string, unknown> = {}) =>
  new ProblemException({ status: HttpStatus.CONFLICT, title: 'Conflict', type: '/problems/conflict', detail, ...extra });

export const invalid = (errors: InvalidParam[], detail = 'The request has invalid fields.') =>
  new ProblemException({ status: HttpStatus.BAD_REQUEST, title: 'Bad Request', type: '/problems/validation', detail, errors });

/** An upload refused for its size or what it would inflate to: 413, naming the field and why. */
export const tooLarge = (errors: InvalidParam[], detail = 'The upload is larger than this service takes.') =>
  new ProblemException({ status: HttpStatus.PAYLOAD_TOO_LARGE, title: 'Payload Too Large', type: '/problems/entity-too-large', detail, errors });

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
