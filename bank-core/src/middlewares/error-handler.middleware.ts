import type { ErrorRequestHandler, RequestHandler } from 'express';
import { createErrorHandler, type Logger } from '@bank/common';
import { AppError, type ErrorCode } from '../errors/app-error';
import type { Metrics } from '../utils/metrics';

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

/** The codes a client's request can be refused with (4xx), each a `reason` of `bank_refusals_total`. */
export const REFUSAL_CODES = (Object.keys(HTTP_STATUS) as ErrorCode[]).filter((code) => HTTP_STATUS[code] < 500);

/** Answers every error in the common shape, and counts each refusal (4xx) by its code; 5xx are failures, not refusals. */
export function errorHandler(logger: Logger, metrics: Metrics): ErrorRequestHandler {
  metrics.knowRefusals(REFUSAL_CODES);
  return createErrorHandler({
    logger,
    statusOf: HTTP_STATUS,
    fromOtherError: fromHttpError,
    onAnswer: (code, status) => {
      if (status < 500) metrics.countRefusal(code);
    },
  });
}

export const unknownRoute: RequestHandler = (req) => {
  throw new AppError({ code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` });
};
