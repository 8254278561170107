import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { openDatabase } from '../src/db/open-database';
import { start } from '../src/server';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { findSettlementAccountId, postTransaction } from '../src/repositories/ledger.repository';
import { createUser } from './support/factories';
import { startTestApp, testConfig, type TestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** Runs `npm run ledger:verify` as a user would, against the embedded database in `dataDir`. */
async function verify(dataDir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run('npx', ['tsx', '--conditions=development', 'bank-core/src/scripts/ledger-verify.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40) },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

// Always the embedded database: the script is the same on both drivers, and its checks run on both in
// ledger-concurrency.test.ts.
describe('npm run ledger:verify', () => {
  it('passes on a sound ledger, then names the account and exits 1 once a balance is tampered with', async () => {
    const config = testConfig({ APP_PORT_1: '0' });
    const server = await start(config, { logger: createLogger({ service: 'test', level: 'error', console: false }) });
    let accountId: string;
    try {
      const http = request(server.url);
      const signup = await http.post('/api/users/signup').send({ name: 'Ada', email: 'ada@example.com', password: 'correct horse' });
      const login = await http.post('/api/users/login').send({ email: 'ada@example.com', password: 'correct horse' });
      accountId = signup.body.account.id;
      await http
        .post('/api/transactions/deposit')
        .set('Authorization', `Bearer ${login.body.token}`)
        .send({ accountId, amount: 500 })
        .expect(201);
    } finally {
      await server.stop();
    }

    const sound = await verify(config.dataDir);
    expect(sound.output).toContain('ledger verified');
    expect(sound.output).toContain("ok    every currency's accounts sum to zero");
    expect(sound.code).toBe(0);

    const db = await openDatabase({ databaseUrl: undefined, poolSize: 1, dataDir: config.dataDir });
    await db.query('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [accountId]);
    await db.close();

    const tampered = await verify(config.dataDir);
    expect(tampered.code).toBe(1);
    expect(tampered.output).toContain(`account ${accountId}: stored 501`);
  }, 60_000);
});

describe('the ledger audit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const violationsOf = async (name: string) => (await auditLedger(t.db)).find((check) => check.name === name)!.violations;

  it('names a key or a request that made two transactions, had the database let them through', async () => {
    const alice = await createUser(t);
    await t.db.query('DROP INDEX transactions_idempotency_key');
    const settlement = await findSettlementAccountId(t.db, 'NGN');
    const deposit = () =>
      postTransaction(t.db, {
        id: randomUUID(),
        type: 'deposit',
        amount: 5,
        currency: 'NGN',
        narration: null,
        reference: `TX${randomUUID().slice(0, 16).toUpperCase()}`,
        initiatedBy: alice.id,
        requestId: 'one-request',
        reversesId: null,
        idempotencyKey: 'one-key',
        legs: [
          { accountId: settlement, amount: -5 },
          { accountId: alice.account.id, amount: 5 },
        ],
        event: { type: 'transaction.posted', legs: [null, null] },
      });
    expect((await deposit()).ok).toBe(true);
    expect((await deposit()).ok).toBe(true);

    expect(await violationsOf('no Idempotency-Key moved money more than once')).toEqual([
      `user ${alice.id}: key "one-key" made 2 transactions`,
    ]);
    expect(await violationsOf('no request made more than one transaction')).toEqual(['request one-request made 2 transactions']);
  });

  it('names a closed account that holds money', async () => {
    const bob = await createUser(t);
    await t.db.query('ALTER TABLE accounts DROP CONSTRAINT accounts_closed_at_zero');
    await t.db.query(`UPDATE accounts SET status = 'closed', closed_at = now(), balance = 7 WHERE id = $1`, [bob.account.id]);
    expect(await violationsOf('no closed account holds money')).toEqual([
      `account ${bob.account.id} (${bob.account.accountNumber}) is closed with balance 7`,
    ]);
  });
});
