import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Logger } from '@bank/common';

/** What this service forwards to bank-core: its API (but not this service's own /api/websocket) and its docs. */
export function forwardsToBankCore(pathname: string): boolean {
  if (pathname.startsWith('/api/websocket/') || pathname === '/api/websocket') return false;
  return pathname.startsWith('/api/') || pathname === '/docs' || pathname.startsWith('/docs/');
}

/**
 * The page and bank-core's API on one origin: the page calls relative `/api/...` URLs, so the refresh
 * cookie is first-party and no CORS is involved. Forwarded requests carry X-Forwarded-For (bank-core's
 * TRUST_PROXY then counts the real client for its rate limits) and this request's X-Request-Id, so
 * both services log the same id. Bodies are streamed through untouched (nothing here parses them).
 * When bank-core cannot be reached the answer is a 503 in the common error shape.
 */
export function bankCoreProxy({ target, logger }: { target: string; logger: Logger }): RequestHandler {
  return createProxyMiddleware<Request>({
    target,
    xfwd: true,
    pathFilter: (pathname) => forwardsToBankCore(pathname),
    proxyTimeout: 60_000,
    on: {
      proxyReq: (proxyReq, req) => {
        proxyReq.setHeader('x-request-id', req.requestId);
      },
      error: (error, req: IncomingMessage & { requestId?: string }, res) => {
        logger.warn('bank-core proxy failed', { requestId: req.requestId, path: req.url, error: error.message });
        if (!('writeHead' in res) || res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' }).end(
          JSON.stringify({
            error: {
              code: 'SERVICE_UNAVAILABLE',
              message: 'The bank service cannot be reached; try again shortly',
              requestId: req.requestId,
            },
          }),
        );
      },
    },
  });
}
