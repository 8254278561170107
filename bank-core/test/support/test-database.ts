import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/db/database';
import { openDatabase } from '../../src/db/open-database';

/** A test file's database, and a way to reach it as another bank-core instance would. */
export interface TestDatabase extends Database {
  /**
   * The same database through a pool of its own, as a second bank-core instance has (PostgreSQL);
   * the embedded database belongs to one process, so there it is the same one. Closing the returned
   * handle leaves this one open.
   */
  connectAgain(): Promise<TestDatabase>;
}

/** Tests that need a PostgreSQL server (several connections, other databases): skipped on PGlite. */
export const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again by `close`).
 * `migrateBefore` stops the schema short of that migration (upgrade tests).
 */
export async function openTestDatabase({ migrateBefore }: { migrateBefore?: string } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const db = await openDatabase({ databaseUrl: undefined, poolSize: 1, dataDir: undefined, migrateBefore });
    const again: TestDatabase = { ...db, close: () => Promise.resolve(), connectAgain: () => Promise.resolve(again) };
    return { ...db, connectAgain: () => Promise.resolve(again) };
  }

  const name = `bank_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const open = () => openDatabase({ databaseUrl: url.toString(), poolSize: 20, dataDir: undefined, migrateBefore });
  const withReconnect = (db: Database): TestDatabase => ({ ...db, connectAgain: async () => withReconnect(await open()) });
  const db = await open();
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
