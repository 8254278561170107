/** The closed set of failure kinds. Services throw these; only the error handler maps them to HTTP. */
export type ErrorCode =
  | 'VALIDATION'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'UNPROCESSABLE'
  | 'INSUFFICIENT_FUNDS'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export interface FieldIssue {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  code: ErrorCode;
  message: string;
  details?: FieldIssue[] | Record<string, unknown>;
  cause?: unknown;
  /** Sent as the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: AppErrorOptions['details'];
  readonly retryAfterSeconds: number | undefined;

  constructor(options: AppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string) => new AppError({ code: 'NOT_FOUND', message: `${what} not found` });
