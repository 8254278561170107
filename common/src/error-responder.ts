import type { ErrorRequestHandler } from 'express';
import { AppErrorBase } from './app-error';
import type { Logger } from './logger';

/**
 * The shared half of every service's error handler: one body shape,
 * `{ error: { code, message, details?, requestId } }`, for every failure. Each service supplies its
 * code -> status map (the one place codes become statuses) and how to read errors that are not
 * AppErrors (body-parser and other http-errors). Unknown errors become 500 with no stack or SQL in
 * the body, and are logged in full. `onAnswer`, if given, hears each error's code and status (for metrics).
 */
export function createErrorHandler<Code extends string>(options: {
  logger: Logger;
  statusOf: Record<Code, number>;
  fromOtherError: (error: unknown) => AppErrorBase<Code> | undefined;
  onAnswer?: (code: Code | 'INTERNAL', status: number) => void;
}): ErrorRequestHandler {
  const { logger, statusOf, fromOtherError, onAnswer } = options;
  return (error: unknown, req, res, _next) => {
    const appError = error instanceof AppErrorBase ? (error as AppErrorBase<Code>) : fromOtherError(error);
    const status = appError ? statusOf[appError.code] : 500;
    if (!appError || status >= 500) {
      logger.error('request failed', { requestId: req.requestId, method: req.method, path: req.path, error });
    }
    onAnswer?.(appError?.code ?? 'INTERNAL', status);
    // Half a response is already out: cut the connection rather than append an error to it.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (appError?.retryAfterSeconds) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    // A 503's message is ours to show ("database not reachable"); any other 5xx says nothing of the internals.
    const showMessage = appError && (status < 500 || status === 503);
    res.status(status).json({
      error: {
        code: appError?.code ?? 'INTERNAL',
        message: showMessage ? appError.message : 'Internal server error',
        ...(appError?.details ? { details: appError.details } : {}),
        requestId: req.requestId,
      },
    });
  };
}
