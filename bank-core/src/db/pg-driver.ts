import pg from 'pg';
import {
  withAfterCommit,
  withRetries,
  type Database,
  type DatabaseErrorReporter,
  type DatabaseTimeouts,
  type QueryResult,
  type Row,
} from './database';
import { listenWithReconnect } from './pg-listener';
import { holdSessionLock } from './pg-session-lock';
import { asUnavailable, commitOutcomeUnknown, isDatabaseUnavailable } from './unavailable';

export interface PgOptions {
  connectionString: string;
  poolSize: number;
  timeouts: DatabaseTimeouts;
  report: DatabaseErrorReporter;
}

/**
 * Every wait a connection can impose, bounded on the server (statement, lock, idle in transaction) and
 * on the client (connect, and a read that never comes back on a half-dead socket). The server also
 * checks every 2 s that the client is still there (client_connection_check_interval, PostgreSQL 14 or
 * later), so the locks of a bank-core killed mid-request are released within seconds, not at the end
 * of whatever its backend was waiting for.
 */
export function connectionConfig({ connectionString, timeouts }: Pick<PgOptions, 'connectionString' | 'timeouts'>): pg.ClientConfig {
  return {
    connectionString,
    application_name: 'bank-core',
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    lock_timeout: timeouts.lockMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    // A little longer than the server's own bound, so the server's clearer error normally wins.
    query_timeout: timeouts.statementMs > 0 ? timeouts.statementMs + 5_000 : undefined,
    keepAlive: true,
    options: '-c client_connection_check_interval=2000',
  };
}

/** A PostgreSQL server through a node-postgres pool: the production and multi-instance mode. */
export async function openPg(options: PgOptions): Promise<Database> {
  const { report } = options;
  const config = connectionConfig(options);
  const pool = new pg.Pool({ ...config, max: options.poolSize });
  // A connection can fail at any moment (server restart, pg_terminate_backend): node-postgres then emits
  // 'error' on its client, and an 'error' nobody listens to ends the process. The query in flight fails
  // on its own and answers 503; these listeners only keep the process alive and say what happened.
  pool.on('error', (error) => report('idle database connection lost', error));
  pool.on('connect', (client) => client.on('error', (error) => report('database connection lost', error)));
  await pool.query('SELECT 1').catch((error: unknown) => {
    void pool.end();
    throw error;
  });

  // Each listener and lock holder has a connection of its own; closing the database ends them too.
  const listeners = new Set<() => Promise<void>>();

  const queryOn =
    (client: pg.Pool | pg.PoolClient) =>
    async <R extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
      try {
        const result = await client.query(sql, params as unknown[] | undefined);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw asUnavailable(error);
      }
    };

  return {
    driver: 'pg',
    query: queryOn(pool),
    transaction: (work) =>
      withRetries(() =>
        withAfterCommit(async (afterCommit) => {
          const client = await pool.connect().catch((error: unknown) => {
            throw asUnavailable(error);
          });
          let broken: Error | undefined;
          let committing = false;
          try {
            await queryOn(client)('BEGIN');
            const result = await work({
              query: queryOn(client),
              // A script of several statements: node-postgres answers with one result per statement.
              exec: async (sql) => {
                await client.query(sql).catch((error: unknown) => {
                  throw asUnavailable(error);
                });
              },
              afterCommit,
            });
            committing = true;
            await client.query('COMMIT').catch((error: unknown) => {
              if (!isDatabaseUnavailable(error)) throw error; // refused at commit (a deferred check, 40001): rolled back
              // The COMMIT was sent and the connection died: the server may have committed or not.
              broken = error as Error;
              throw commitOutcomeUnknown(error);
            });
            return result;
          } catch (error) {
            if (!committing) {
              await client.query('ROLLBACK').catch((rollbackError: Error) => {
                broken = rollbackError;
              });
            }
            throw error;
          } finally {
            // A connection whose COMMIT or ROLLBACK failed is in an unknown state: destroy it, never reuse it.
            client.release(broken);
          }
        }, report),
      ),
    listen: async (channel, handlers) => {
      const stop = await listenWithReconnect({ config, channel, handlers, report });
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    holdLock: async (key, handlers, retryMs) => {
      const stop = await holdSessionLock({ config, key, handlers, retryMs, report });
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}
