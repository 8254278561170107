import { AppErrorBase } from '@bank/common';

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

export type { FieldIssue } from '@bank/common';

export class AppError extends AppErrorBase<ErrorCode> {}

export const notFound = (what: string) => new AppError({ code: 'NOT_FOUND', message: `${what} not found` });
