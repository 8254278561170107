/** One invalid field of a request or frame: where (`body.amount`, `frame.type`) and what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** What both services need of a zod issue; `input` is there when the schema was run with `reportInput: true`. */
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  input?: unknown;
}

/**
 * zod issues as per-field details, paths prefixed with the part they came from (`body.amount`, `query.limit`,
 * `frame.type`). A missing field (an issue whose input is undefined; parse with `reportInput: true` so the
 * input is known) always says "Required", whatever message its schema gives a wrong value, and never zod's
 * "expected string, received undefined" or a union's "Invalid input": one rule for every schema of both services.
 */
export function issuesToDetails(part: string, issues: ReadonlyArray<SchemaIssue>): FieldIssue[] {
  return issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: 'input' in issue && issue.input === undefined ? 'Required' : issue.message,
  }));
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
