import type { NextFunction, Request, RequestHandler, Response } from 'express';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): unknown;
}

/**
 * 405 Method Not Allowed (RFC 9110 §15.5.6) with the `Allow` header, for a path that exists under
 * other methods (`TRACE /needs`, `DELETE /deals/:id`), rather than the 404 Express would give. Reads
 * the application's own routes, so it stays true as routes are added; unknown paths stay 404.
 */
export function methodNotAllowed(express: { router?: { stack: RouteLayer[] } }): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const matching = (express.router?.stack ?? []).filter(
      (layer) => layer.route && !layer.route.path.includes('{*') && layer.match(req.path), // not Nest's catch-all 404 route
    );
    // A path spelt out (`/catalogue/import`) is that resource, even where a parameter (`/catalogue/:id`) also fits it.
    const exact = matching.filter((layer) => !layer.route!.path.includes(':'));
    const allowed = new Set<string>();
    for (const layer of exact.length ? exact : matching) for (const method of Object.keys(layer.route!.methods)) allowed.add(method.toUpperCase());
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.size === 0 || allowed.has(req.method) || req.method === 'OPTIONS') return next();
    const allow = [...allowed].sort().join(', ');
    res
      .status(405)
      .setHeader('Allow', allow)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: '/problems/method-not-allowed',
          title: 'Method Not Allowed',
          status: 405,
          detail: `${req.method} is not allowed on this resource; allowed: ${allow}.`,
          instance: req.path,
        }),
      );
  };
}
