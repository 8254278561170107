/** One invalid field of a request or frame: where (`body.amount`, `frame.type`) and what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface AppErrorOptions<Code extends string> {
  code: Code;
  message: string;
  details?: FieldIssue[] | Record<string, unknown>;
  cause?: unknown;
  /** Sent as the Retry-After header, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * The one error class of every service: a code from the service's closed set, a message safe to
 * show, optional details. Services throw it; each service's error handler alone turns codes into
 * HTTP statuses, so both services answer failures in the same body shape.
 */
export class AppErrorBase<Code extends string> extends Error {
  readonly code: Code;
  readonly details: AppErrorOptions<Code>['details'];
  readonly retryAfterSeconds: number | undefined;

  constructor(options: AppErrorOptions<Code>) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
