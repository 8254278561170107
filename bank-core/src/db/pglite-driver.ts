import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { claimDataDir } from './pglite-lock';
import { withAfterCommit, withRetries, type Database, type DatabaseErrorReporter, type QueryResult, type Row } from './database';
import { asUnavailable } from './unavailable';

/**
 * Embedded PostgreSQL (WASM) on one connection. PGlite's own `transaction` holds its lock
 * for the whole block, so transactions are serialized and other queries wait their turn.
 * `dataDir` undefined -> in memory (tests). There are no other connections, so lock and
 * connection timeouts do not apply.
 */
export async function openPglite(dataDir: string | undefined, report: DatabaseErrorReporter): Promise<Database> {
  let release = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    release = claimDataDir(dataDir);
  }
  const pglite = new PGlite(dataDir);
  try {
    await pglite.waitReady;
  } catch (error) {
    release();
    throw error;
  }

  const queryOn =
    (target: PGlite | PgliteTransaction) =>
    async <R extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
      try {
        const result = await target.query<R>(sql, params as unknown[] | undefined);
        // PGlite reports affectedRows 0 for a SELECT; like pg's rowCount, count the rows it returned.
        return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
      } catch (error) {
        throw asUnavailable(error);
      }
    };

  return {
    driver: 'pglite',
    query: queryOn(pglite),
    transaction: (work) =>
      withRetries(() =>
        withAfterCommit(
          (afterCommit) =>
            pglite.transaction((tx) =>
              work({
                query: queryOn(tx),
                exec: async (sql) => {
                  await tx.exec(sql);
                },
                afterCommit,
              }),
            ),
          report,
        ),
      ),
    // One process, one connection: the listener never loses it.
    listen: async (channel, handlers) => {
      const unlisten = await pglite.listen(channel, (payload) => handlers.message(payload));
      handlers.connected?.();
      return () => unlisten();
    },
    // One process: nobody else can compete for the lock.
    holdLock: (_key, handlers) => {
      handlers.acquired();
      return Promise.resolve(() => Promise.resolve());
    },
    close: async () => {
      await pglite.close();
      release();
    },
  };
}
