export type Row = Record<string, unknown>;

export interface QueryResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

/** Anything SQL can be sent through: the database itself or an open transaction. */
export interface Queryable {
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** An open transaction; `exec` runs a script of several statements without parameters (migrations). */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
  /** Runs `callback` once the transaction has committed (never if it rolls back or is retried). */
  afterCommit(callback: () => void): void;
}

/** What a NOTIFY listener is told. Notifications sent while it is disconnected are lost. */
export interface ChannelHandlers {
  message(payload: string): void;
  /** The listener is (again) receiving: anything cached while it was down may be stale. */
  connected?(): void;
  /** The listener lost its connection; it reconnects by itself. */
  disconnected?(): void;
}

/** What the holder of a session lock (Database.holdLock) is told. */
export interface LockHandlers {
  /** This process now holds the lock, until `lost` (or the returned stop function). */
  acquired(): void;
  /** The lock's connection was lost, so the lock is released on the server: stop acting as its holder now. */
  lost(): void;
}

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'pg';
  /**
   * Runs `work` in one database transaction, committing when it resolves and rolling back when
   * it throws. Serialization failures and deadlocks restart it (a bounded number of times), so
   * `work` must be safe to run again: no side effects outside the transaction.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** LISTENs on `channel` until the returned function is called. */
  listen(channel: string, handlers: ChannelHandlers): Promise<() => Promise<void>>;
  /**
   * Competes for the session advisory lock `key` on a connection of its own, until the returned function
   * is called (which releases it). One process in all holds it at a time; the others ask again every
   * `retryMs` and take over once the holder's connection ends (a crash closes it). PGlite has one
   * process, which holds it at once.
   */
  holdLock(key: number, handlers: LockHandlers, retryMs: number): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Bounds on every wait the database can impose on a request, in ms (0: no bound). */
export interface DatabaseTimeouts {
  /** Connecting, or waiting for a free pooled connection. */
  connectMs: number;
  /** One statement. */
  statementMs: number;
  /** Waiting for a row or index lock. */
  lockMs: number;
  /** A transaction left open with nothing running (a stalled or dead client). */
  idleInTransactionMs: number;
}

/** Where a driver reports trouble that no request is waiting to hear about (a dropped idle connection, a failed after-commit callback). */
export type DatabaseErrorReporter = (message: string, error: unknown) => void;

/** SQLSTATEs that mean "nothing was wrong with the work, try it again". */
const RETRYABLE = new Set(['40001', '40P01']);
export const MAX_TRANSACTION_ATTEMPTS = 5;

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(sqlState(error) ?? '');
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Retries `attempt` on serialization failures and deadlocks, with jittered backoff. */
export async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error) || tries >= MAX_TRANSACTION_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** tries));
    }
  }
}

/**
 * Runs one attempt of a transaction body with an `afterCommit` list, and calls the callbacks only
 * when `run` (which commits) succeeds: a retried or failed attempt fires nothing. A callback that
 * throws is reported, never rethrown: once the transaction has committed, nothing may turn its
 * success into an error.
 */
export async function withAfterCommit<T>(
  run: (afterCommit: (callback: () => void) => void) => Promise<T>,
  report: DatabaseErrorReporter,
): Promise<T> {
  const callbacks: (() => void)[] = [];
  const result = await run((callback) => callbacks.push(callback));
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      report('after-commit callback failed', error);
    }
  }
  return result;
}
