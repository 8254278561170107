import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database, DatabaseTimeouts } from '../../src/db/database';
import { DEFAULT_DATABASE_TIMEOUTS, openDatabase } from '../../src/db/open-database';

/** How a test reaches its database: bounds on waits, a URL rewrite (a fault proxy), a schema short of a migration. */
export interface TestDatabaseOptions {
  timeouts?: Partial<DatabaseTimeouts>;
  viaUrl?: (url: string) => string;
  migrateBefore?: string;
}

/** A test file's database, and a way to reach it as another bank-core instance would. */
export interface TestDatabase extends Database {
  /** Its PostgreSQL URL (straight to the server, whatever `viaUrl` did); undefined for the embedded database. */
  url: string | undefined;
  /**
   * The same database through a pool of its own, as a second bank-core instance has (PostgreSQL);
   * the embedded database belongs to one process, so there it is the same one. Closing the returned
   * handle leaves this one open.
   */
  connectAgain(options?: TestDatabaseOptions): Promise<TestDatabase>;
}

/** Tests that need a PostgreSQL server (several connections, other databases): skipped on PGlite. */
export const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const quiet = () => undefined;

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again by `close`).
 */
export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const db = await openDatabase({
      databaseUrl: undefined,
      poolSize: 1,
      dataDir: undefined,
      migrateBefore: options.migrateBefore,
      report: quiet,
    });
    const again: TestDatabase = { ...db, url: undefined, close: () => Promise.resolve(), connectAgain: () => Promise.resolve(again) };
    return { ...db, url: undefined, connectAgain: () => Promise.resolve(again) };
  }

  const name = `bank_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const open = (how: TestDatabaseOptions) =>
    openDatabase({
      databaseUrl: (how.viaUrl ?? String)(url.toString()),
      poolSize: 20,
      dataDir: undefined,
      timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, ...how.timeouts },
      migrateBefore: how.migrateBefore,
      report: quiet,
    });
  const withReconnect = (db: Database): TestDatabase => ({
    ...db,
    url: url.toString(),
    connectAgain: async (how = {}) => withReconnect(await open({ migrateBefore: options.migrateBefore, ...how })),
  });
  const db = await open(options);
  return {
    ...withReconnect(db),
    close: async () => {
      await db.close();
      await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Runs `work` on a connection to the database named in TEST_DATABASE_URL itself (not a test file's). */
export async function withAdmin(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
