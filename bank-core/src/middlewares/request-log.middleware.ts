import type { Request, RequestHandler } from 'express';
import type { Logger } from '@bank/common';
import type { Metrics } from '../utils/metrics';

/** The route pattern (`/api/accounts/:id`), never the raw path: bounded label values, no ids in metrics. */
export function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
}

/** One log line and one metrics sample per request, written when the response finishes. */
export function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      metrics.observe(req.method, route, res.statusCode, seconds);
      // winston runs its formats (masking, JSON) before its transports filter by level: skip the work when
      // no transport would take the line.
      if (!logger.isLevelEnabled('info')) return;
      logger.info('request', {
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        requestId: req.requestId,
        clientRequestId: req.clientRequestId,
        traceId: req.traceId,
        userId: req.auth?.userId,
      });
    });
    next();
  };
}
