import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startServiceProcess, type ServiceProcess } from '../chaos/service-process';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { eventually } from './support/eventually';
import { startFaultProxy, type FaultProxy } from '../chaos/fault-proxy';
import { createUser, type TestUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startSecondInstance, startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

// What a database fault does to bank-core on PostgreSQL: a held lock, a terminated backend, the server
// going away and coming back. PGlite is inside the process: none of these can happen to it.
const SERVER_URL = process.env.TEST_DATABASE_URL;
const describeOnPostgres = SERVER_URL ? describe : describe.skip;

/** A psql-like session on the app's database: holds row locks, looks at what the app's backends are doing. */
async function sessionOn(t: TestApp) {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  return {
    lockAccount: async (accountId: string) => {
      await client.query('BEGIN');
      await client.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
    },
    release: () => client.query('ROLLBACK'),
    /** Pids of bank-core backends waiting for a lock. */
    waiting: async () =>
      (
        await client.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'bank-core' AND wait_event_type = 'Lock'`,
        )
      ).rows.map((row) => row.pid),
    terminate: (pid: number) => client.query('SELECT pg_terminate_backend($1)', [pid]),
    end: () => client.end(),
  };
}

/** Sends at once (a supertest request only starts when awaited), so a test can do other things meanwhile. */
const send = (t: TestApp, from: TestUser, to: TestUser, amount: number, key?: string) => {
  const req = t.http.post('/api/transactions/send').set(from.auth);
  if (key) void req.set('Idempotency-Key', key);
  return req.send({ fromAccountId: from.account.id, toAccountNumber: to.account.accountNumber, amount }).then((res) => res);
};

async function expectLedgerSound(t: TestApp) {
  expect((await auditLedger(t.db)).flatMap((check) => check.violations)).toEqual([]);
}

async function transactionsWithKey(t: TestApp, key: string): Promise<number> {
  const { rows } = await t.db.query('SELECT 1 FROM transactions WHERE idempotency_key = $1', [key]);
  return rows.length;
}

describeOnPostgres('an Idempotency-Key while its first attempt is stuck on a lock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DATABASE_LOCK_TIMEOUT_MS: '500' });
  });
  afterAll(() => t.close());

  it('the attempts that time out move nothing; once the lock is gone one retry moves the money and the next replays it', async () => {
    const [alice, bob] = [await createUser(t), await createUser(t)];
    await deposit(t, alice, 1_000);
    const psql = await sessionOn(t);
    const key = randomUUID();
    try {
      await psql.lockAccount(alice.account.id);
      const first = await send(t, alice, bob, 300, key);
      const second = await send(t, alice, bob, 300, key);
      expect([first.status, second.status]).toEqual([503, 503]);
      expect(first.headers['retry-after']).toBe('1');
      expect(first.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await psql.release();
      await psql.end();
    }
    const third = await send(t, alice, bob, 300, key);
    const fourth = await send(t, alice, bob, 300, key);
    expect(third.status).toBe(201);
    expect(fourth.headers['idempotency-replayed']).toBe('true');
    expect(fourth.body).toEqual(third.body);
    expect(await balanceOf(t, alice)).toBe(700);
    expect(await transactionsWithKey(t, key)).toBe(1);
    await expectLedgerSound(t);
  });

  it('a retry that arrives while the first attempt still waits is told so at once (409), and replays the answer once it commits: never a second debit', async () => {
    const [alice, bob] = [await createUser(t), await createUser(t)];
    await deposit(t, alice, 1_000);
    const patient = await startSecondInstance(t, { DATABASE_LOCK_TIMEOUT_MS: '10000' });
    const psql = await sessionOn(t);
    const key = randomUUID();
    try {
      await psql.lockAccount(alice.account.id);
      const first = send(patient, alice, bob, 250, key); // waits up to 10 s for the account
      await eventually(async () => ((await psql.waiting()).length === 1 ? true : undefined));
      // On either instance, the key is taken by a live attempt: it is not handed over, nor waited for.
      for (const instance of [t, patient]) {
        const meanwhile = await send(instance, alice, bob, 250, key);
        expect(meanwhile.status).toBe(409);
        expect(meanwhile.headers['retry-after']).toBe('1');
      }
      await psql.release();
      const firstRes = await first;
      expect(firstRes.status).toBe(201);
      const later = await send(t, alice, bob, 250, key);
      expect(later.status).toBe(201);
      expect(later.headers['idempotency-replayed']).toBe('true');
      expect(later.body).toEqual(firstRes.body);
    } finally {
      await psql.end();
      await patient.close();
    }
    expect(await balanceOf(t, alice)).toBe(750);
    expect(await transactionsWithKey(t, key)).toBe(1);
  });
});

describeOnPostgres('a database connection that drops', () => {
  let t: TestApp;
  let proxy: FaultProxy;
  beforeAll(async () => {
    const server = new URL(SERVER_URL!);
    proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port || 5432) });
    t = await startTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '1000' }, { databaseUrlVia: (url) => proxy.via(url) });
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.close();
  });

  it('a request whose backend is terminated inside its transaction answers 503, and bank-core keeps serving', async () => {
    const [alice, bob] = [await createUser(t), await createUser(t)];
    await deposit(t, alice, 1_000);
    const psql = await sessionOn(t); // straight to the server, not through the proxy
    const key = randomUUID();
    try {
      await psql.lockAccount(alice.account.id);
      const stuck = send(t, alice, bob, 100, key);
      const [pid] = await eventually(async () => {
        const pids = await psql.waiting();
        return pids.length > 0 ? pids : undefined;
      });
      await psql.terminate(pid!);
      const res = await stuck;
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await psql.release();
      await psql.end();
    }
    // Same process, same pool: the retry with the same key moves the money, once.
    expect((await send(t, alice, bob, 100, key)).status).toBe(201);
    expect(await balanceOf(t, alice)).toBe(900);
  });

  it('while the server is gone every request answers 503 quickly, and service resumes by itself when it is back', async () => {
    const alice = await createUser(t);
    await deposit(t, alice, 1_000);
    proxy.cut();
    try {
      const started = Date.now();
      const answers = await Promise.all([
        t.http.post('/api/users/signup').send({ name: 'Grace', email: `g-${randomUUID()}@example.com`, password: 'correct horse' }),
        t.http.post('/api/accounts').set(alice.auth).send({ currency: 'USD' }),
        t.http.post('/api/transactions/deposit').set(alice.auth).send({ accountId: alice.account.id, amount: 5 }),
        t.http.get('/api/accounts').set(alice.auth),
        t.http.get('/readyz'),
      ]);
      expect(answers.map((res) => [res.status, res.body.error?.code])).toEqual(Array(5).fill([503, 'SERVICE_UNAVAILABLE']));
      // Bounded by DATABASE_CONNECT_TIMEOUT_MS (1 s here), not by a TCP timeout.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      proxy.restore();
    }
    await eventually(async () => ((await t.http.get('/readyz')).status === 200 ? true : undefined), 10_000);
    await t.http.post('/api/transactions/deposit').set(alice.auth).send({ accountId: alice.account.id, amount: 5 }).expect(201);
    expect(await balanceOf(t, alice)).toBe(1_005);
    await expectLedgerSound(t);
  });
});

describeOnPostgres('a retry after bank-core was killed in the middle of a payment', () => {
  let t: TestApp;
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await service?.kill();
    await t.close();
  });

  it('gets its definitive answer within seconds of the restart, and the money moves once', async () => {
    const [alice, bob] = [await createUser(t), await createUser(t)];
    await deposit(t, alice, 1_000);
    const env = {
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl!,
      APP_PORT_1: String(await freePort()),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bank-core-crash-')),
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_CONSOLE: 'false',
    };
    service = await startServiceProcess(env);
    const key = randomUUID();
    const payment = (url: string) =>
      fetch(`${url}/api/transactions/send`, {
        method: 'POST',
        headers: { ...alice.auth, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 400 }),
      });

    const psql = await sessionOn(t);
    try {
      await psql.lockAccount(alice.account.id);
      const inFlight = payment(service.url).catch((error: unknown) => error);
      await eventually(async () => ((await psql.waiting()).length === 1 ? true : undefined));
      await service.kill();
      expect(((await inFlight) as Error).message).toBe('fetch failed'); // its connection was cut: no answer
    } finally {
      await psql.release();
      await psql.end();
    }

    service = await startServiceProcess(env);
    const restarted = Date.now();
    let answer: Response | undefined;
    while (Date.now() - restarted < 30_000) {
      const res = await payment(service.url);
      if (res.status !== 409 && res.status !== 503) {
        answer = res;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(answer?.status).toBe(201);
    expect(Date.now() - restarted).toBeLessThan(10_000);
    expect(await balanceOf(t, alice)).toBe(600);
    expect(await transactionsWithKey(t, key)).toBe(1);
    await service.stop();
    service = undefined;
    await expectLedgerSound(t);
  }, 90_000);
});
