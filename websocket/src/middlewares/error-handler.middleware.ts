import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '@bank/common';
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
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = error instanceof AppError ? error : fromHttpError(error);
    const status = appError ? HTTP_STATUS[appError.code] : 500;
    if (!appError || status >= 500) {
      // The full error goes to the log only; the client learns nothing about the internals.
      logger.error('request failed', { requestId: req.requestId, method: req.method, path: req.path, error });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json({
      error: {
        code: appError?.code ?? 'INTERNAL',
        message: appError && status < 500 ? appError.message : 'Internal server error',
        ...(appError?.details ? { details: appError.details } : {}),
        requestId: req.requestId,
      },
    });
  };
}

export const unknownRoute: RequestHandler = (req) => {
  throw new AppError({ code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
};
