import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { openDatabase } from '../src/db/open-database';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { start } from '../src/server';
import { withAdmin } from './support/test-database';
import { testConfig, TEST_JWT_SECRET } from './support/test-app';

// `npm run backup` and `npm run restore` as an operator runs them, on the driver the suite runs on: the
// embedded PGlite by default, PostgreSQL (pg_dump / pg_restore) when TEST_DATABASE_URL is set.
jest.setTimeout(120_000);

const execute = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const serverUrl = process.env.TEST_DATABASE_URL;
const created: string[] = [];

/** Where a bank-core keeps its database: a new PostgreSQL database on the test server, or a new DATA_DIR. */
async function freshTarget(): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-backup-'));
  if (!serverUrl) return { DATA_DIR: dataDir };
  const name = `bank_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { DATA_DIR: dataDir, DATABASE_URL: url.toString() };
}

/** Runs `npm run <script> -- ...args` from the repository root against `target`. */
async function npmRun(script: string, target: Record<string, string>, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execute('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_CONSOLE: 'false',
        ...target,
      },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

/** Every account's balance and every user, straight from the database, and the ledger audit's violations. */
async function snapshot(target: Record<string, string>) {
  const db = await openDatabase({ databaseUrl: target.DATABASE_URL, poolSize: 1, dataDir: target.DATA_DIR, report: () => undefined });
  try {
    const balances = (await db.query('SELECT account_number, currency, balance::text FROM accounts ORDER BY account_number')).rows;
    const users = (await db.query('SELECT email FROM users ORDER BY email')).rows;
    const violations = (await auditLedger(db)).flatMap((check) => check.violations);
    return { balances, users, violations };
  } finally {
    await db.close();
  }
}

/** Signs up two customers and moves money between them through the API: deposits, a transfer, a withdrawal. */
async function moveMoney(target: Record<string, string>): Promise<void> {
  const server = await start(testConfig({ APP_PORT_1: '0', ...target }), {
    logger: createLogger({ service: 'test', level: 'error', console: false }),
  });
  try {
    const http = request(server.url);
    const customer = async (name: string) => {
      const email = `${name.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
      const signup = await http.post('/api/users/signup').send({ name, email, password: 'correct horse battery' }).expect(201);
      const login = await http.post('/api/users/login').send({ email, password: 'correct horse battery' }).expect(200);
      return {
        account: signup.body.account as { id: string; accountNumber: string },
        auth: { Authorization: `Bearer ${login.body.token}` },
      };
    };
    const ada = await customer('Ada');
    const bob = await customer('Bob');
    await http.post('/api/transactions/deposit').set(ada.auth).send({ accountId: ada.account.id, amount: 50_000 }).expect(201);
    await http.post('/api/transactions/deposit').set(bob.auth).send({ accountId: bob.account.id, amount: 7_000 }).expect(201);
    await http
      .post('/api/transactions/send')
      .set(ada.auth)
      .send({ fromAccountId: ada.account.id, toAccountNumber: bob.account.accountNumber, amount: 12_345 })
      .expect(201);
    await http.post('/api/transactions/withdraw').set(bob.auth).send({ accountId: bob.account.id, amount: 2_000 }).expect(201);
  } finally {
    await server.stop();
  }
}

afterAll(async () => {
  if (!serverUrl) return;
  for (const name of created) await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
});

describe(`npm run backup / npm run restore (${serverUrl ? 'PostgreSQL: pg_dump, pg_restore' : "PGlite's own dump"})`, () => {
  let source: Record<string, string>;
  let file: string;
  let before: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    source = await freshTarget();
    await moveMoney(source);
    before = await snapshot(source);
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bank-backups-')), 'bank.backup');
    const backup = await npmRun('backup', source, file);
    expect(backup).toMatchObject({ code: 0, output: expect.stringContaining(`backup written: ${file}`) });
  });

  it('writes a backup only its owner can read, and will not overwrite one unless told to', async () => {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await npmRun('backup', source, file);
    expect(again.code).toBe(1);
    expect(again.output).toContain('already exists');
    expect(await npmRun('backup', source, file, '--force')).toMatchObject({ code: 0 });
  });

  it('restores into a fresh database a ledger that passes ledger:verify, with the same users and balances', async () => {
    expect(before.violations).toEqual([]);
    expect(before.balances.length).toBeGreaterThanOrEqual(3);
    const target = await freshTarget();
    const restored = await npmRun('restore', target, file);
    expect(restored).toMatchObject({ code: 0, output: expect.stringContaining(`restored ${file}`) });

    const verify = await npmRun('ledger:verify', target);
    expect(verify.output).toContain('ledger verified: every invariant holds');
    expect(verify.code).toBe(0);
    expect(await snapshot(target)).toEqual(before);
  });

  it('refuses to restore over a database that is not empty, and with --force replaces it', async () => {
    const target = await freshTarget();
    await moveMoney(target);
    const refused = await npmRun('restore', target, file);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/not empty|already holds a database/);
    expect((await snapshot(target)).balances).not.toEqual(before.balances);

    const forced = await npmRun('restore', target, file, '--force');
    expect(forced.code).toBe(0);
    expect(await snapshot(target)).toEqual(before);
    if (!serverUrl) {
      // The embedded database it replaced is kept beside it, not deleted.
      expect(forced.output).toContain('the database it replaced is kept in');
      expect(readdirSync(target.DATA_DIR!).filter((name) => name.startsWith('pglite.replaced-'))).toHaveLength(1);
    }
  });

  it('refuses a file that is not a backup, and changes nothing', async () => {
    const target = await freshTarget();
    const refused = await npmRun('restore', target, path.join(ROOT, 'package.json'));
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('is not a backup made by npm run backup');
    expect(existsSync(path.join(target.DATA_DIR!, 'pglite'))).toBe(false);
  });
});
