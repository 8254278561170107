import { AppError } from '../errors/app-error';
import { sqlState } from './database';

/**
 * The database could not do the work, through no fault of the request: unreachable, restarting, out of
 * connections, or a bound from DatabaseTimeouts was hit. Requests answer 503 with Retry-After; the pool
 * reconnects by itself once the server is back. `sqlState` keeps the server's code (55P03 lock timeout,
 * 57014 statement timeout, 57P01 terminated, ...) for callers that tell these apart.
 */
export class DatabaseUnavailableError extends AppError {
  readonly sqlState: string | undefined;

  constructor(cause: unknown, message = messageFor(sqlState(cause))) {
    super({ code: 'SERVICE_UNAVAILABLE', message, cause, retryAfterSeconds: 1 });
    this.sqlState = sqlState(cause);
  }
}

// SQLSTATE classes and codes (PostgreSQL manual, appendix A) that say nothing about the request itself:
// 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown or not yet accepting,
// 57014 canceled (statement_timeout), 55P03 lock_timeout, 25P03 idle_in_transaction_session_timeout,
// 3D000 the database is gone, 28 the server refuses our credentials.
const UNAVAILABLE_STATE = /^(08|53|28)...$|^(57P01|57P02|57P03|57014|55P03|25P03|3D000)$/;
// What node-postgres and Node's sockets throw when there is no server to talk to (they carry no SQLSTATE).
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connection timeout|not queryable|Query read timeout|PGlite is closed/i;

/** True for a failure of the database rather than of the statement (see DatabaseUnavailableError). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const state = sqlState(error);
  if (state !== undefined && UNAVAILABLE_STATE.test(state)) return true;
  if (state !== undefined && UNAVAILABLE_ERRNO.has(state)) return true;
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

/** `error` as a DatabaseUnavailableError when it is one of those failures; anything else unchanged. */
export function asUnavailable(error: unknown): unknown {
  return !(error instanceof DatabaseUnavailableError) && isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}

/** For a COMMIT that failed this way: the server may or may not have committed. */
export function commitOutcomeUnknown(error: unknown): DatabaseUnavailableError {
  return new DatabaseUnavailableError(
    error,
    'The database connection was lost while committing, so the outcome is unknown: retry with the same Idempotency-Key to learn it',
  );
}

function messageFor(state: string | undefined): string {
  if (state === '55P03') return 'Another request holds what this one needs; try again shortly';
  if (state === '57014') return 'The database took too long to answer; try again shortly';
  return 'The database is not reachable; try again shortly';
}
