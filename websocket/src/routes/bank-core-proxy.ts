import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Logger } from '@bank/common';
import { BankCoreUnavailableError, type BankCoreBreaker } from '../services/bank-core-breaker';

/** What this service forwards to bank-core: its API (but not this service's own /api/websocket) and its docs. */
export function forwardsToBankCore(pathname: string): boolean {
  if (pathname.startsWith('/api/websocket/') || pathname === '/api/websocket') return false;
  return pathname.startsWith('/api/') || pathname === '/docs' || pathname.startsWith('/docs/');
}

// When bank-core did not answer at all, the next try is worth making soon.
const UNREACHABLE_RETRY_AFTER_SECONDS = 5;

/** 503 SERVICE_UNAVAILABLE in the common error shape, unless an answer has already begun (then the connection is cut). */
function unavailable(res: ServerResponse, requestId: string | undefined, retryAfterSeconds: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) }).end(
    JSON.stringify({
      error: { code: 'SERVICE_UNAVAILABLE', message: 'The bank service cannot be reached; try again shortly', requestId },
    }),
  );
}

/**
 * The page and bank-core's API on one origin: the page calls relative `/api/...` URLs, so the refresh
 * cookie is first-party and no CORS is involved. Forwarded requests carry X-Forwarded-For (bank-core's
 * TRUST_PROXY then counts the real client for its rate limits) and this request's X-Request-Id, so
 * both services log the same id. Bodies are streamed through untouched (nothing here parses them).
 *
 * Every forwarded request goes through the bank-core circuit breaker: a request bank-core did not answer
 * (refused, reset, timed out) counts as a failure; any answer, bank-core's own 503s included (they are
 * already fast and say why), counts as a success. When bank-core cannot be reached, or at once while the
 * breaker is open, the answer is a 503 in the common error shape with Retry-After.
 */
export function bankCoreProxy({ target, logger, breaker }: { target: string; logger: Logger; breaker: BankCoreBreaker }): RequestHandler {
  // How each request in flight reports its outcome to the breaker (undefined: bank-core answered).
  const outcomes = new WeakMap<IncomingMessage, (error?: Error) => void>();
  const proxy = createProxyMiddleware<Request>({
    target,
    xfwd: true,
    proxyTimeout: 60_000,
    on: {
      proxyReq: (proxyReq, req) => {
        proxyReq.setHeader('x-request-id', req.requestId);
      },
      proxyRes: (_proxyRes, req) => outcomes.get(req)?.(),
      error: (error, req: IncomingMessage & { requestId?: string }, res) => {
        logger.warn('bank-core proxy failed', { requestId: req.requestId, path: req.url, error: error.message });
        outcomes.get(req)?.(error);
        if (!('writeHead' in res)) {
          res.destroy();
          return;
        }
        unavailable(res, req.requestId, UNREACHABLE_RETRY_AFTER_SECONDS);
      },
    },
  });

  return (req, res, next) => {
    if (!forwardsToBankCore(req.path)) return next();
    breaker
      .run(
        () =>
          new Promise<void>((resolve, reject) => {
            outcomes.set(req, (error) => (error ? reject(error) : resolve()));
            // A client that leaves before bank-core answers teaches the breaker nothing; settle it as a success.
            res.once('close', () => resolve());
            proxy(req, res, next).catch(reject);
          }),
      )
      .catch((error: unknown) => {
        // Other failures were answered by the proxy's error handler above.
        if (error instanceof BankCoreUnavailableError) unavailable(res, req.requestId, error.retryAfterSeconds);
      });
  };
}
