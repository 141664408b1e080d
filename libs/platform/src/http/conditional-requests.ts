import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { ProblemException } from './problem';

/**
 * Optimistic concurrency over HTTP (RFC 9110 §13): a resource's representation carries an `ETag` made
 * from a version counter its every write increments, and a change must send it back in `If-Match`.
 * The write itself is a compare-and-set on that version, so two racing changes, through any
 * instances, cannot both succeed.
 */
export function entityTag(version: number): string {
  return `"${version}"`;
}

/** An ETag this API issues, strong or weak: a version counter in quotes. */
export const ENTITY_TAG_PATTERN = /^(?:W\/)?"([0-9]{1,15})"$/;

/** What an `If-Match` header may hold, as the OpenAPI document states it: `*` or one ETag this API issued. */
export const IF_MATCH_PATTERN = `^(?:\\*|${ENTITY_TAG_PATTERN.source.slice(1, -1)})$`;

/**
 * The version an `If-Match` header names: 428 when it is missing (and required), 412 when it cannot
 * name a version of this resource. `*` matches any version (answers undefined).
 */
export function versionFromIfMatch(ifMatch: string | undefined, { required }: { required: boolean }): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    if (!required) return undefined;
    throw new ProblemException({
      status: HttpStatus.PRECONDITION_REQUIRED,
      title: 'Precondition Required',
      type: '/problems/precondition-required',
      detail: 'Send the ETag of the version you read in an If-Match header, so a concurrent change is not overwritten.',
      errors: [{ pointer: 'header.If-Match', reason: 'required' }],
    });
  }
  if (ifMatch.trim() === '*') return undefined;
  const match = ENTITY_TAG_PATTERN.exec(ifMatch.trim());
  if (!match) {
    throw new ProblemException({
      status: HttpStatus.BAD_REQUEST,
      title: 'Bad Request',
      type: '/problems/validation',
      detail: 'The request has invalid fields.',
      errors: [{ pointer: 'header.If-Match', reason: 'must be an ETag this API issued, such as "3"' }],
    });
  }
  return Number(match[1]);
}

/** 412: the resource changed since the client read it; the body names the current ETag. */
export function preconditionFailed(currentVersion: number): ProblemException {
  return new ProblemException({
    status: HttpStatus.PRECONDITION_FAILED,
    title: 'Precondition Failed',
    type: '/problems/precondition-failed',
    detail: `The resource changed since you read it: its current ETag is ${entityTag(currentVersion)}. Read it again, then retry your change.`,
    currentETag: entityTag(currentVersion),
  });
}

/** Sends a representation's ETag header (its body carries the same as `etag`). */
export function withETag<T extends { etag: string }>(res: Response, resource: T): T {
  res.setHeader('ETag', resource.etag);
  return resource;
}
