import type { ErrorRequestHandler, RequestHandler } from 'express';
import { createErrorHandler, type Logger } from '@bank/common';
import { AppError, type ErrorCode } from '../errors/app-error';

/** The one place an error code becomes an HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_FRAME: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** http-errors raised by Express itself (e.g. a malformed URI) carry a status; keep the client's ones as 4xx. */
function fromHttpError(error: unknown): AppError | undefined {
  const { status } = (error ?? {}) as { status?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError({ code: 'VALIDATION', message: 'Request could not be read' });
  }
  return undefined;
}

/** Answers `{ error: { code, message, details?, requestId } }`, the same body shape as bank-core. */
export const errorHandler = (logger: Logger): ErrorRequestHandler =>
  createErrorHandler({ logger, statusOf: HTTP_STATUS, fromOtherError: fromHttpError });

export const unknownRoute: RequestHandler = (req) => {
  throw new AppError({ code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
};
