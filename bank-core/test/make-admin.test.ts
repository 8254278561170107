import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { start } from '../src/server';
import { TEST_JWT_SECRET, testConfig } from './support/test-app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const quiet = () => createLogger({ service: 'test', level: 'error', console: false });

// Always the embedded database, stopped while the script runs (as the README asks); the role is read the same way on PostgreSQL.
describe('npm run make-admin', () => {
  it('says the role applies at once, and an access token issued before the change is an admin token right away', async () => {
    const config = testConfig({ APP_PORT_1: '0' });
    let server = await start(config, { logger: quiet() });
    let token: string;
    try {
      const http = request(server.url);
      await http.post('/api/users/signup').send({ name: 'Ada', email: 'ada@example.com', password: 'correct horse' }).expect(201);
      token = (await http.post('/api/users/login').send({ email: 'ada@example.com', password: 'correct horse' })).body.token as string;
      await http.get('/api/users').set('Authorization', `Bearer ${token}`).expect(403);
    } finally {
      await server.stop();
    }

    const { stdout } = await run('npx', ['tsx', '--conditions=development', 'bank-core/src/scripts/make-admin.ts', 'ada@example.com'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATA_DIR: config.dataDir, JWT_SECRET: TEST_JWT_SECRET },
    });
    expect(stdout).toContain('ada@example.com is now admin, effective at once');
    expect(stdout).not.toMatch(/log in again to/i);

    server = await start(config, { logger: quiet() });
    try {
      await request(server.url).get('/api/users').set('Authorization', `Bearer ${token}`).expect(200);
    } finally {
      await server.stop();
    }
  }, 90_000);
});
