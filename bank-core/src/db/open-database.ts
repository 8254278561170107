import path from 'node:path';
import type { Database } from './database';
import { openPg } from './pg-driver';
import { openPglite } from './pglite-driver';
import { migrate } from './migrate';

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  poolSize: number;
  /** PGlite keeps its files here; undefined -> in memory. */
  dataDir: string | undefined;
  /** Apply only the migrations before this version prefix (upgrade tests); all of them by default. */
  migrateBefore?: string | undefined;
}

/** Opens PostgreSQL when a URL is given, embedded PGlite otherwise, and brings the schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const db = options.databaseUrl
    ? await openPg(options.databaseUrl, options.poolSize)
    : await openPglite(options.dataDir && path.join(options.dataDir, 'pglite'));
  try {
    await migrate(db, { before: options.migrateBefore });
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
