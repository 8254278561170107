import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './database';

// The same path from src/db and dist/db.
export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
// Any constant works; it only has to be the same for every instance migrating the same database.
const MIGRATION_LOCK_KEY = 7_245_001;

/**
 * Applies the SQL files in migrations/ that are not yet recorded, in name order, each in its own
 * transaction. An advisory lock lets several instances start at once against one server.
 * `before` (a version prefix such as '005') stops short of that migration: upgrade tests build the
 * schema an older release had, write data into it, then migrate the rest.
 * @returns the versions applied by this call.
 */
export async function migrate(db: Database, { before }: { before?: string | undefined } = {}): Promise<string[]> {
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql') && (before === undefined || name < before))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    const ran = await db.transaction(async (tx) => {
      // A migration may rewrite a large table or wait for running requests to let go of one: the request
      // bounds (DATABASE_*_TIMEOUT_MS) do not apply, but a wait longer than two minutes fails start-up.
      await tx.exec(`SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = '120s'`);
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version TEXT PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const existing = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (existing.rowCount > 0) return false;
      await tx.exec(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      return true;
    });
    if (ran) applied.push(version);
  }
  return applied;
}
