import type { ErrorRequestHandler, RequestHandler } from 'express';
import { createErrorHandler, type Logger } from '@bank/common';
import { AppError, type ErrorCode } from '../errors/app-error';

/** The one place an error code becomes an HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  MALFORMED_JSON: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  INSUFFICIENT_FUNDS: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** body-parser and other http-errors carry `type`/`status`; turn the ones a client caused into AppErrors. */
function fromHttpError(error: unknown): AppError | undefined {
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') return new AppError({ code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' });
  if (type === 'entity.too.large') return new AppError({ code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' });
  if (status === 415) return new AppError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported content encoding or charset' });
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError({ code: 'VALIDATION', message: 'Request could not be read' });
  }
  return undefined;
}

export const errorHandler = (logger: Logger): ErrorRequestHandler =>
  createErrorHandler({ logger, statusOf: HTTP_STATUS, fromOtherError: fromHttpError });

export const unknownRoute: RequestHandler = (req) => {
  throw new AppError({ code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
};
