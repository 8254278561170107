import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database, DatabaseTimeouts } from '../../src/db/database';
import { DEFAULT_DATABASE_TIMEOUTS, openDatabase } from '../../src/db/open-database';

export interface TestDatabase {
  db: Database;
  /** The PostgreSQL URL of the database; undefined for the in-memory PGlite. */
  url: string | undefined;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again by `close`).
 */
export async function openTestDatabase(
  options: { timeouts?: Partial<DatabaseTimeouts>; viaUrl?: (url: string) => string } = {},
): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const report = () => undefined;
  if (!serverUrl) return { db: await openDatabase({ databaseUrl: undefined, poolSize: 1, dataDir: undefined, report }), url: undefined };

  const name = `bank_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openPgTestDatabase(url.toString(), options);
  return {
    db: {
      ...db,
      close: async () => {
        await db.close();
        await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    },
    url: url.toString(),
  };
}

/** Another connection pool to an existing test database on the server (a second bank-core instance). */
export function openPgTestDatabase(url: string, options: { timeouts?: Partial<DatabaseTimeouts>; viaUrl?: (url: string) => string } = {}) {
  return openDatabase({
    databaseUrl: (options.viaUrl ?? String)(url),
    poolSize: 20,
    dataDir: undefined,
    timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts },
    report: () => undefined,
  });
}

async function withAdmin(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
