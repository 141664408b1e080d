import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { invalid, type InvalidParam } from './problem';

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
    exceptionFactory: (errors) => invalid(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], parent = ''): InvalidParam[] {
  return errors.flatMap((error) => {
    const pointer = `${parent}/${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ pointer, reason }));
    return [...own, ...flatten(error.children ?? [], pointer)];
  });
}
