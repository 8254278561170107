import { AppErrorBase } from '@bank/common';

/**
 * The closed set of failure kinds, for HTTP responses and socket `error` frames alike.
 * The class is shared with bank-core (@bank/common), so clients handle both services one way.
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

export { issuesToDetails, type FieldIssue } from '@bank/common';

export class AppError extends AppErrorBase<ErrorCode> {}
