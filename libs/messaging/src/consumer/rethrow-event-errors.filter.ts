import { Catch, type RpcExceptionFilter } from '@nestjs/common';
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
