import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { openDatabase } from '../src/db/open-database';
import { start } from '../src/server';
import { testConfig } from './support/test-app';

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
