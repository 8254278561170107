import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';

// A client's own X-Request-Id is kept only when it is short and plain, so it is safe in logs.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every request gets an id of this service's own (a UUID), echoed in X-Request-Id and in error bodies and
 * written on whatever the request changes (a ledger transaction's request_id): unique by construction,
 * so "one request, at most one transaction" can be checked (ledger:verify). A client that sends its own
 * X-Request-Id finds it beside ours in the request's log line (`clientRequestId`), to join its logs to ours.
 * With tracing on, both ids are attributes of the request's server span (`bank.request_id`,
 * `bank.client_request_id`) and the trace id is `req.traceId` (bank-core's request log line carries it), so a
 * trace leads to the log lines and back; with it off there is no span.
 */
export const requestId: RequestHandler = (req, res, next) => {
  req.requestId = randomUUID();
  const given = req.get('x-request-id');
  if (given && SANE_REQUEST_ID.test(given)) req.clientRequestId = given;
  res.setHeader('X-Request-Id', req.requestId);
  const span = trace.getActiveSpan();
  if (span) {
    req.traceId = span.spanContext().traceId;
    span.setAttribute('bank.request_id', req.requestId);
    if (req.clientRequestId) span.setAttribute('bank.client_request_id', req.clientRequestId);
  }
  next();
};
