import { applyDecorators, Catch, Controller, UseFilters, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter replaces an event handler's error with `{status: 'error', message:
 * 'Internal server error'}`. This one hands the original error to KafkaEventTransport, which retries
 * it and, in the end, writes its message into the dead letter's `dlq_error` header.
 */
@Catch()
export class RethrowEventErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Marks a class of `@EventPattern` handlers: a Nest controller whose handlers' errors reach
 * KafkaEventTransport unchanged (for retries and the dead letter's `dlq_error`). Bound here rather
 * than globally because a hybrid app's microservice cannot take global filters after creation.
 */
export const EventConsumer = (): ClassDecorator => applyDecorators(Controller(), UseFilters(new RethrowEventErrorsFilter()));
