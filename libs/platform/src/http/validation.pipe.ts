import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid, type InvalidParam } from './problem';
import { MAX_REPORTED_PROBLEMS } from './request-hygiene';

/**
 * DTO validation: unknown fields are rejected (not silently dropped), values are converted only as
 * declared, and every failure names its field as a JSON pointer.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    // Bounded: lists over 200 items never get here (request hygiene), and the answer names 20 problems at most.
    exceptionFactory: (errors) => invalid(flatten(errors).slice(0, MAX_REPORTED_PROBLEMS)),
  });
}

function flatten(errors: ValidationError[], parent = ''): InvalidParam[] {
  return errors.flatMap((error) => {
    const pointer = `${parent}/${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ pointer, reason }));
    return [...own, ...flatten(error.children ?? [], pointer)];
  });
}
