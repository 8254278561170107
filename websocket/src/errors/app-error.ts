/**
 * The closed set of failure kinds, for HTTP responses and socket `error` frames alike.
 * Mirrors bank-core's AppError (same names, same body shape) so clients handle both services one way.
 * It is a copy rather than a move to @bank/common because bank-core's copy is being extended on main
 * in parallel; folding the two together is a small follow-up once both have landed.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_FRAME'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
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
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: AppErrorOptions['details'];

  constructor(options: AppErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = options.code;
    this.details = options.details;
  }
}

/** zod issues as per-field details, paths prefixed with the part they came from (`query.limit`, `frame.type`). */
export function issuesToDetails(part: string, issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
}
