import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

// Both services take the caller's X-Request-Id (it ties a websocket log line to the bank-core request that
// moved the money). It is kept only when it is short and plain, so it is safe in logs and headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is short and plain, else a new UUID. */
export function requestIdFrom(given: string | undefined): string {
  return given && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

export const requestId: RequestHandler = (req, res, next) => {
  req.requestId = requestIdFrom(req.get('x-request-id'));
  res.setHeader('X-Request-Id', req.requestId);
  next();
};
