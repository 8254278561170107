import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { claimDataDir } from './pglite-lock';

const run = promisify(execFile);

/** Which database a backup or restore works on: PostgreSQL when `databaseUrl` is set, else PGlite under `dataDir`. */
export interface BackupTarget {
  databaseUrl: string | undefined;
  /** DATA_DIR: the embedded database lives in its `pglite` folder (as db/open-database.ts opens it). */
  dataDir: string;
}

/** `pg_dump`: PostgreSQL's custom format (pg_restore reads it); `pglite`: PGlite's data-folder tarball (gzip). */
export type BackupFormat = 'pg_dump' | 'pglite';

/** A backup or restore that must not go ahead (an existing file, a non-empty database, a wrong format). */
export class BackupRefusedError extends Error {}

// pg_dump's custom format starts with "PGDMP"; PGlite's dumpDataDir('gzip') is a gzip stream.
const MAGIC: Record<BackupFormat, Buffer> = { pg_dump: Buffer.from('PGDMP'), pglite: Buffer.from([0x1f, 0x8b]) };
const MAX_TOOL_OUTPUT_BYTES = 16 * 1024 * 1024;

const embeddedDir = (target: BackupTarget) => path.join(target.dataDir, 'pglite');
const hasFiles = (dir: string) => existsSync(dir) && readdirSync(dir).some((name) => name !== 'bank-core.pid');

/**
 * The URL without its password, and the password in PGPASSWORD: pg_dump and pg_restore read both, and the
 * password is never on a command line that `ps` shows.
 */
function connection(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { url: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/** Runs pg_dump or pg_restore. @throws Error with the tool's own message when it fails or is not installed. */
async function tool(name: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(name, args, { env, maxBuffer: MAX_TOOL_OUTPUT_BYTES });
  } catch (error) {
    const failed = error as NodeJS.ErrnoException & { stderr?: string };
    if (failed.code === 'ENOENT') throw new Error(`${name} is not installed (Debian: apt-get install postgresql-client)`, { cause: error });
    throw new Error(`${name} failed: ${(failed.stderr ?? failed.message).trim()}`, { cause: error });
  }
}

/**
 * Writes a backup of the configured database to `file`: PostgreSQL through `pg_dump --format=custom` (a
 * consistent snapshot; bank-core may keep running), PGlite through its own `dumpDataDir` (the embedded database
 * belongs to one process: stop bank-core first). The file is written beside `file` and renamed into place once
 * complete, readable by its owner only (it holds personal data and password hashes).
 * @throws BackupRefusedError when `file` exists and `force` is not set, or there is no embedded database.
 * @throws Error when pg_dump fails, or the embedded database is in use by another process.
 */
export async function backupDatabase(
  target: BackupTarget,
  file: string,
  { force = false } = {},
): Promise<{ format: BackupFormat; bytes: number }> {
  if (existsSync(file) && !force) throw new BackupRefusedError(`${file} already exists; choose another name, or --force to replace it`);
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  // Created empty with owner-only rights before anything is written into it.
  await (await open(partial, 'w', 0o600)).close();
  try {
    let format: BackupFormat;
    if (target.databaseUrl) {
      const { url, env } = connection(target.databaseUrl);
      await tool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, `--dbname=${url}`], env);
      format = 'pg_dump';
    } else {
      const dir = embeddedDir(target);
      if (!hasFiles(dir)) throw new BackupRefusedError(`There is no embedded database in ${dir}`);
      const release = claimDataDir(dir);
      try {
        const db = new PGlite(dir);
        try {
          await db.waitReady;
          const tarball = await db.dumpDataDir('gzip');
          await writeFile(partial, Buffer.from(await tarball.arrayBuffer()));
        } finally {
          await db.close();
        }
      } finally {
        release();
      }
      format = 'pglite';
    }
    await chmod(partial, 0o600);
    await rename(partial, file);
    return { format, bytes: (await stat(file)).size };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** The format of a backup file, from its first bytes. @throws BackupRefusedError when it is neither. */
async function formatOf(file: string): Promise<BackupFormat> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(5);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const format = (Object.keys(MAGIC) as BackupFormat[]).find((name) => head.subarray(0, MAGIC[name].length).equals(MAGIC[name]));
  if (!format) throw new BackupRefusedError(`${file} is not a backup made by npm run backup`);
  return format;
}

/** Tables, views and sequences in the public schema (where bank-core's migrations put everything). */
async function publicRelations(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`,
  );
  return Number(rows[0]!.n);
}

/**
 * Restores `file` (made by backupDatabase) into the configured database. PostgreSQL: `pg_restore` in one
 * transaction into an empty database (with `force`, the public schema is dropped and recreated first). PGlite:
 * the tarball is loaded into a new folder, checked, and put in place of DATA_DIR/pglite; with `force` the
 * folder it replaces is kept beside it (`pglite.replaced-<time>`), never deleted. Migrations newer than the
 * backup are applied when bank-core next starts. Stop every bank-core instance first.
 * @returns the format, and the folder moved aside (PGlite with `force`).
 * @throws BackupRefusedError for an unknown file, a format that does not match the configured database, or a
 *   non-empty target without `force`.
 * @throws Error when pg_restore fails, or the embedded database is in use by another process.
 */
export async function restoreDatabase(
  target: BackupTarget,
  file: string,
  { force = false } = {},
): Promise<{ format: BackupFormat; replaced?: string }> {
  const format = await formatOf(file);
  const wanted: BackupFormat = target.databaseUrl ? 'pg_dump' : 'pglite';
  if (format !== wanted) {
    throw new BackupRefusedError(
      `${file} is a ${format === 'pg_dump' ? 'PostgreSQL' : 'PGlite'} backup, but the configured database is ` +
        (target.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'the embedded PGlite (DATABASE_URL unset)'),
    );
  }
  if (target.databaseUrl) {
    await restorePostgres(target.databaseUrl, file, force);
    return { format };
  }
  return { format, ...(await restorePglite(embeddedDir(target), file, force)) };
}

async function restorePostgres(databaseUrl: string, file: string, force: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if ((await publicRelations(client)) > 0) {
      if (!force)
        throw new BackupRefusedError('The target database is not empty; restore into a new database, or --force to replace its contents');
      await client.query('DROP SCHEMA public CASCADE');
      await client.query('CREATE SCHEMA public');
    }
  } finally {
    await client.end();
  }
  const { url, env } = connection(databaseUrl);
  await tool('pg_restore', ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${url}`, file], env);
}

async function restorePglite(dir: string, file: string, force: boolean): Promise<{ replaced?: string }> {
  const occupied = hasFiles(dir);
  if (occupied && !force) throw new BackupRefusedError(`${dir} already holds a database; --force to replace it (it is kept aside)`);
  // Held from here to the swap: no bank-core may open the folder being replaced.
  let claim = existsSync(dir) ? claimDataDir(dir) : undefined;
  const release = () => {
    claim?.();
    claim = undefined;
  };
  const staging = `${dir}.restoring-${process.pid}`;
  try {
    rmSync(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const db = new PGlite({ dataDir: staging, loadDataDir: new Blob([await readFile(file)]) });
    try {
      await db.waitReady;
      // A tarball of some other PGlite database would load; this says it is bank-core's.
      await db.query('SELECT count(*) FROM schema_migrations');
    } finally {
      await db.close();
    }
    // The backup was taken while the backup process held the folder.
    rmSync(path.join(staging, 'bank-core.pid'), { force: true });
    let replaced: string | undefined;
    if (existsSync(dir)) {
      replaced = occupied ? `${dir}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}` : undefined;
      release();
      if (replaced) await rename(dir, replaced);
      else await rm(dir, { recursive: true, force: true });
    }
    await rename(staging, dir);
    return replaced ? { replaced } : {};
  } catch (error) {
    release();
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
