import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The OpenAPI UI (`/docs`) under a Content-Security-Policy of its own: Swagger UI loads its scripts and
 * styles from this server (`swagger-ui-init.js` and the bundle), injects styles inline and shows
 * data: images. Nothing may frame it (clickjacking the "Authorize" dialog) and it connects only to
 * this service.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Headers every answer carries: `nosniff`, so a browser never runs a JSON body or a download as
 * script or HTML; and on the OpenAPI UI, its Content-Security-Policy and no framing. (Pages with a
 * policy of their own, such as reporting's dashboard, set theirs; this one does not override it.)
 */
export function securityHeaders(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.path === '/docs' || req.path.startsWith('/docs/')) {
      res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
      res.setHeader('X-Frame-Options', 'DENY');
    }
    next();
  };
}
