import { createUser } from './support/factories';
import { deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('POST /api/accounts', () => {
  it('opens an account in the chosen currency with a zero balance and a fresh 10-digit number', async () => {
    const user = await createUser(t);
    const res = await t.http.post('/api/accounts').set(user.auth).send({ description: 'Holiday', currency: 'USD' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      accountNumber: expect.stringMatching(/^[1-9][0-9]{9}$/),
      currency: 'USD',
      balance: 0,
      description: 'Holiday',
      status: 'open',
      createdAt: expect.any(String),
      closedAt: null,
    });
    expect(res.body.accountNumber).not.toBe(user.account.accountNumber);
  });

  it('defaults to NGN', async () => {
    const user = await createUser(t);
    const res = await t.http.post('/api/accounts').set(user.auth).send({ description: 'Savings' });
    expect(res.body.currency).toBe('NGN');
  });

  it.each([
    [{ description: 'x', currency: 'XYZ' }, 'body.currency'],
    [{ description: 'x', currency: 'usd' }, 'body.currency'],
    [{ description: 'x'.repeat(141) }, 'body.description'],
    [{ description: 'x', balance: 1_000_000 }, 'body'],
  ])('refuses %j', async (body, path) => {
    const user = await createUser(t);
    const res = await t.http.post('/api/accounts').set(user.auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('allows at most 4 open accounts, even when requests race', async () => {
    const user = await createUser(t);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.http
          .post('/api/accounts')
          .set(user.auth)
          .send({ description: `n${i}` }),
      ),
    );
    expect(results.filter((res) => res.status === 201)).toHaveLength(3);
    expect(results.filter((res) => res.status === 409)).toHaveLength(3);
    const list = await t.http.get('/api/accounts').set(user.auth);
    expect(list.body.items).toHaveLength(4);
  });

  it('frees a slot when an account is closed', async () => {
    const user = await createUser(t);
    const opened = [];
    for (let i = 0; i < 3; i += 1)
      opened.push(
        (
          await t.http
            .post('/api/accounts')
            .set(user.auth)
            .send({ description: `n${i}` })
        ).body,
      );
    await t.http.post('/api/accounts').set(user.auth).send({ description: 'fifth' }).expect(409);
    await t.http.delete(`/api/accounts/${opened[0].id}`).set(user.auth).expect(200);
    await t.http.post('/api/accounts').set(user.auth).send({ description: 'fifth' }).expect(201);
  });
});

describe('reading and changing accounts', () => {
  it("lists only the caller's accounts", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const res = await t.http.get('/api/accounts').set(alice.auth).expect(200);
    const ids = res.body.items.map((account: { id: string }) => account.id);
    expect(ids).toEqual([alice.account.id]);
    expect(ids).not.toContain(bob.account.id);
  });

  it('updates the description', async () => {
    const user = await createUser(t);
    const res = await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ description: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.body.description).toBe('Renamed');
    expect((await t.http.get(`/api/accounts/${user.account.id}`).set(user.auth)).body.description).toBe('Renamed');
  });

  it('refuses to change anything but the description', async () => {
    const user = await createUser(t);
    await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ description: 'x', balance: 5 }).expect(400);
    await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ currency: 'USD' }).expect(400);
  });

  it('closes an account at zero; it stays visible as closed and cannot be closed twice', async () => {
    const user = await createUser(t);
    const res = await t.http.delete(`/api/accounts/${user.account.id}`).set(user.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    expect((await t.http.get(`/api/accounts/${user.account.id}`).set(user.auth)).body.status).toBe('closed');
    expect((await t.http.delete(`/api/accounts/${user.account.id}`).set(user.auth)).status).toBe(409);
    expect((await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ description: 'later' })).status).toBe(409);
  });

  it('refuses to close an account that holds money and leaves it open', async () => {
    const user = await createUser(t);
    await deposit(t, user, 250);
    const res = await t.http.delete(`/api/accounts/${user.account.id}`).set(user.auth);
    expect(res.status).toBe(409);
    expect((await t.http.get(`/api/accounts/${user.account.id}`).set(user.auth)).body.status).toBe('open');
  });
});

describe("ownership: user B on each of user A's accounts", () => {
  const missingId = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['GET', (id: string) => t.http.get(`/api/accounts/${id}`)],
    ['PUT', (id: string) => t.http.put(`/api/accounts/${id}`).send({ description: 'mine now' })],
    ['DELETE', (id: string) => t.http.delete(`/api/accounts/${id}`)],
  ])('%s answers 404 exactly as for a missing account, and changes nothing', async (_method, call) => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const stranger = await call(alice.account.id).set(bob.auth);
    const missing = await call(missingId).set(bob.auth);
    expect(stranger.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(stranger.body.error.message).toBe(missing.body.error.message);
    const own = await t.http.get(`/api/accounts/${alice.account.id}`).set(alice.auth);
    expect(own.body).toMatchObject({ description: 'Main account', status: 'open' });
  });

  it.each([
    ['POST', () => t.http.post('/api/accounts').send({ description: 'x' })],
    ['GET list', () => t.http.get('/api/accounts')],
    ['GET', () => t.http.get(`/api/accounts/${missingId}`)],
    ['PUT', () => t.http.put(`/api/accounts/${missingId}`).send({ description: 'x' })],
    ['DELETE', () => t.http.delete(`/api/accounts/${missingId}`)],
  ])('%s without a token answers 401', async (_method, call) => {
    expect((await call()).status).toBe(401);
  });
});
