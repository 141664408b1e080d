import type { INestApplication } from '@nestjs/common';
import type { ServiceConfig } from '../config/service-config';
import { methodNotAllowed } from '../http/method-not-allowed';
import { jsonBody, middlewareErrorsAsProblems, rejectUnsafeInput, traceContext } from '../http/request-hygiene';
import { securityHeaders } from '../http/security-headers';
import { httpMetrics } from '../metrics/metrics';

/**
 * The Express middleware in front of routing, the same for every service (and for the medium test
 * tier): security headers, HTTP metrics, 405 with Allow, trace context, the JSON body within its
 * limit, unsafe input refused, and middleware errors answered as problem details. The app must be
 * created with `bodyParser: false`.
 */
export function applyHttpEdge(app: INestApplication, config: ServiceConfig): void {
  // Say nothing about the stack to whoever asks.
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  app.use(securityHeaders());
  app.use(httpMetrics);
  app.use(methodNotAllowed(app.getHttpAdapter().getInstance()));
  app.use(traceContext);
  app.use(jsonBody(config.bodyLimit));
  app.use(rejectUnsafeInput);
  app.use(middlewareErrorsAsProblems);
}
