import { randomUUID } from 'node:crypto';
import { createUser, type TestUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const sendWithKey = (user: TestUser, key: string, body: Record<string, unknown>) =>
  t.http.post('/api/transactions/send').set(user.auth).set('Idempotency-Key', key).send(body);

describe('Idempotency-Key', () => {
  it('a retry with the same key and body returns the first response, marked as replayed, and moves no money', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 1_000);
    const key = randomUUID();
    const body = { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 400 };

    const first = await sendWithKey(alice, key, body);
    const retry = await sendWithKey(alice, key, body);
    expect(first.status).toBe(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await balanceOf(t, alice)).toBe(600);
    expect(await balanceOf(t, bob)).toBe(400);
  });

  it('the same key with a different body is refused with 422', async () => {
    const alice = await createUser(t);
    await deposit(t, alice, 1_000);
    const key = randomUUID();
    await t.http
      .post('/api/transactions/withdraw')
      .set(alice.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: alice.account.id, amount: 100 })
      .expect(201);
    const changed = await t.http
      .post('/api/transactions/withdraw')
      .set(alice.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: alice.account.id, amount: 200 });
    expect(changed.status).toBe(422);
    const otherEndpoint = await t.http
      .post('/api/transactions/deposit')
      .set(alice.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: alice.account.id, amount: 100 });
    expect(otherEndpoint.status).toBe(422);
    expect(await balanceOf(t, alice)).toBe(900);
  });

  it('keys are scoped to the user: the same key from another user is a new request', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const key = randomUUID();
    await t.http
      .post('/api/transactions/deposit')
      .set(alice.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: alice.account.id, amount: 100 })
      .expect(201);
    const res = await t.http
      .post('/api/transactions/deposit')
      .set(bob.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: bob.account.id, amount: 100 });
    expect(res.status).toBe(201);
    expect(res.headers['idempotency-replayed']).toBeUndefined();
  });

  it('a refused request frees its key, so a corrected retry can succeed', async () => {
    const alice = await createUser(t);
    const key = randomUUID();
    const body = { accountId: alice.account.id, amount: 500 };
    expect((await t.http.post('/api/transactions/withdraw').set(alice.auth).set('Idempotency-Key', key).send(body)).status).toBe(422);
    await deposit(t, alice, 500);
    const retry = await t.http.post('/api/transactions/withdraw').set(alice.auth).set('Idempotency-Key', key).send(body);
    expect(retry.status).toBe(201);
    expect(await balanceOf(t, alice)).toBe(0);
  });

  it('refuses a malformed key with 400', async () => {
    const alice = await createUser(t);
    const res = await t.http
      .post('/api/transactions/deposit')
      .set(alice.auth)
      .set('Idempotency-Key', 'has spaces in it')
      .send({ accountId: alice.account.id, amount: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('headers.idempotency-key');
  });

  it('20 parallel requests with one key move the money once; the rest replay it or are told it is in flight', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 10_000);
    const key = randomUUID();
    const body = { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 1_000 };

    const results = await Promise.all(Array.from({ length: 20 }, () => sendWithKey(alice, key, body)));
    const statuses = results.map((res) => res.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    const executed = results.filter((res) => res.status === 201 && res.headers['idempotency-replayed'] !== 'true');
    expect(executed).toHaveLength(1);
    for (const res of results.filter((r) => r.status === 201)) expect(res.body.id).toBe(executed[0]!.body.id);
    for (const res of results.filter((r) => r.status === 409)) expect(res.headers['retry-after']).toBe('1');
    expect(await balanceOf(t, alice)).toBe(9_000);
    expect(await balanceOf(t, bob)).toBe(1_000);
  });

  it('keys are kept for the retention period and forgotten after it', async () => {
    const alice = await createUser(t);
    const [recent, old] = [randomUUID(), randomUUID()];
    for (const key of [recent, old]) {
      await t.http
        .post('/api/transactions/deposit')
        .set(alice.auth)
        .set('Idempotency-Key', key)
        .send({ accountId: alice.account.id, amount: 1 })
        .expect(201);
    }
    await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = $1`, [old]);
    await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [recent]);
    expect(await t.services.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
    const replay = await t.http
      .post('/api/transactions/deposit')
      .set(alice.auth)
      .set('Idempotency-Key', recent)
      .send({ accountId: alice.account.id, amount: 1 });
    expect(replay.headers['idempotency-replayed']).toBe('true');
    const { rows } = await t.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [old]);
    expect(rows).toEqual([]);
  });
});
