import path from 'node:path';
import type { Database, DatabaseErrorReporter, DatabaseTimeouts } from './database';
import { openPg } from './pg-driver';
import { openPglite } from './pglite-driver';
import { migrate } from './migrate';

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  poolSize: number;
  /** PGlite keeps its files here; undefined -> in memory. */
  dataDir: string | undefined;
  /** PostgreSQL only; defaults to DEFAULT_DATABASE_TIMEOUTS. */
  timeouts?: DatabaseTimeouts;
  /** Defaults to a console warning. */
  report?: DatabaseErrorReporter;
  /** Apply only the migrations before this version prefix (upgrade tests); all of them by default. */
  migrateBefore?: string | undefined;
}

/** The defaults of the DATABASE_*_TIMEOUT_MS settings (README, Configuration). */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectMs: 5_000,
  statementMs: 15_000,
  lockMs: 3_000,
  idleInTransactionMs: 15_000,
};

const warnOnConsole: DatabaseErrorReporter = (message, error) => console.warn(message, error instanceof Error ? error.message : error);

/** Opens PostgreSQL when a URL is given, embedded PGlite otherwise, and brings the schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const report = options.report ?? warnOnConsole;
  const db = options.databaseUrl
    ? await openPg({
        connectionString: options.databaseUrl,
        poolSize: options.poolSize,
        timeouts: options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS,
        report,
      })
    : await openPglite(options.dataDir && path.join(options.dataDir, 'pglite'), report);
  try {
    await migrate(db, { before: options.migrateBefore });
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
