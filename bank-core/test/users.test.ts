import { createAdmin, createUser } from './support/factories';
import { deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('GET /api/users/me and /api/users/:id', () => {
  it('shows the caller without any secret', async () => {
    const user = await createUser(t, { name: 'Grace' });
    const res = await t.http.get('/api/users/me').set(user.auth).expect(200);
    expect(res.body).toEqual({ id: user.id, name: 'Grace', email: user.email, role: 'customer', createdAt: expect.any(String) });
    await t.http.get(`/api/users/${user.id}`).set(user.auth).expect(200);
  });

  it('refuses another customer with 403 and lets an admin see anyone', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const admin = await createAdmin(t);
    expect((await t.http.get(`/api/users/${alice.id}`).set(bob.auth)).status).toBe(403);
    expect((await t.http.get(`/api/users/${alice.id}`).set(admin.auth)).body.email).toBe(alice.email);
  });

  it('answers 404 to an admin asking for a user that does not exist', async () => {
    const admin = await createAdmin(t);
    await t.http.get('/api/users/00000000-0000-4000-8000-000000000000').set(admin.auth).expect(404);
  });

  it('refuses an id that is not a UUID with 400', async () => {
    const user = await createUser(t);
    const res = await t.http.get('/api/users/not-a-uuid').set(user.auth);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('params.id');
  });
});

describe('GET /api/users (admin list)', () => {
  it('is forbidden to customers', async () => {
    const user = await createUser(t);
    expect((await t.http.get('/api/users').set(user.auth)).status).toBe(403);
  });

  it('pages through every user exactly once with a cursor', async () => {
    const admin = await createAdmin(t);
    for (let i = 0; i < 5; i += 1) await createUser(t);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await t.http
        .get('/api/users')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((item) => item.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(admin.id);
    expect(seen.length).toBeGreaterThanOrEqual(6);
  });

  it('refuses a forged cursor and an out-of-range limit', async () => {
    const admin = await createAdmin(t);
    await t.http.get('/api/users?cursor=garbage').set(admin.auth).expect(400);
    await t.http.get('/api/users?limit=1000').set(admin.auth).expect(400);
  });
});

describe('PUT /api/users/:id', () => {
  it('changes the name without a password', async () => {
    const user = await createUser(t);
    const res = await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ name: 'New Name' });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('New Name');
  });

  it('requires the current password to change email or password', async () => {
    const user = await createUser(t);
    const missing = await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ email: 'new@example.com' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'body.currentPassword' })]);
    const wrong = await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ password: 'new password 1', currentPassword: 'nope' });
    expect(wrong.status).toBe(401);
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(200);
  });

  it('after a password change, only the new password logs in and old sessions end', async () => {
    const user = await createUser(t);
    await t.http
      .put(`/api/users/${user.id}`)
      .set(user.auth)
      .send({ password: 'a brand new password', currentPassword: user.password })
      .expect(200);
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(401);
    await t.http.post('/api/users/login').send({ email: user.email, password: 'a brand new password' }).expect(200);
    await t.http.get('/api/users/me').set(user.auth).expect(401);
    await t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken }).expect(401);
  });

  it('refuses an email that another user has', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const res = await t.http.put(`/api/users/${bob.id}`).set(bob.auth).send({ email: alice.email, currentPassword: bob.password });
    expect(res.status).toBe(409);
  });

  it("refuses another customer, and refuses an admin setting someone else's password", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const admin = await createAdmin(t);
    expect((await t.http.put(`/api/users/${alice.id}`).set(bob.auth).send({ name: 'Hacked' })).status).toBe(403);
    expect((await t.http.put(`/api/users/${alice.id}`).set(admin.auth).send({ name: 'Renamed' })).status).toBe(200);
    expect((await t.http.put(`/api/users/${alice.id}`).set(admin.auth).send({ password: 'admin chosen pw' })).status).toBe(403);
  });

  it('refuses an empty change and unknown fields', async () => {
    const user = await createUser(t);
    await t.http.put(`/api/users/${user.id}`).set(user.auth).send({}).expect(400);
    await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ name: 'X', role: 'admin' }).expect(400);
  });
});

describe('DELETE /api/users/:id', () => {
  it('deletes a user whose accounts are at zero: they can no longer log in, and the email is free again', async () => {
    const user = await createUser(t);
    await t.http.delete(`/api/users/${user.id}`).set(user.auth).expect(204);
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(401);
    await t.http.get('/api/users/me').set(user.auth).expect(401);
    await t.http.post('/api/users/signup').send({ name: 'Again', email: user.email, password: 'another password' }).expect(201);
  });

  it('refuses to delete someone else unless admin', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const admin = await createAdmin(t);
    expect((await t.http.delete(`/api/users/${alice.id}`).set(bob.auth)).status).toBe(403);
    expect((await t.http.delete(`/api/users/${alice.id}`).set(admin.auth)).status).toBe(204);
    expect((await t.http.get(`/api/users/${alice.id}`).set(admin.auth)).status).toBe(404);
  });

  it('refuses while an account holds money, and changes nothing', async () => {
    const user = await createUser(t);
    await deposit(t, user, 100);
    const res = await t.http.delete(`/api/users/${user.id}`).set(user.auth);
    expect(res.status).toBe(409);
    expect(res.body.error.details.accounts).toEqual([user.account.accountNumber]);
    await t.http.get('/api/users/me').set(user.auth).expect(200);
  });
});

describe('GET /api/users/search/:accountNumber', () => {
  it('confirms a recipient by account number with their name only', async () => {
    const alice = await createUser(t, { name: 'Alice Recipient' });
    const bob = await createUser(t);
    const res = await t.http.get(`/api/users/search/${alice.account.accountNumber}`).set(bob.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accountNumber: alice.account.accountNumber, name: 'Alice Recipient' });
  });

  it('needs a token, a 10-digit number, and answers 404 for unknown numbers', async () => {
    const bob = await createUser(t);
    await t.http.get('/api/users/search/1234567890').expect(401);
    await t.http.get('/api/users/search/12345').set(bob.auth).expect(400);
    await t.http.get('/api/users/search/0000000000').set(bob.auth).expect(404);
  });
});

describe('finding a customer (staff console)', () => {
  it('lets an admin find users by the start of their email, in any case, and by an account number', async () => {
    const admin = await createAdmin(t);
    const tag = `find-${Date.now()}`;
    const ada = await createUser(t, { name: 'Ada Find', email: `${tag}-ada@example.com` });
    const bob = await createUser(t, { name: 'Bob Find', email: `${tag}-bob@example.com` });

    const byPrefix = await t.http.get('/api/users').query({ email: tag.toUpperCase() }).set(admin.auth);
    expect(byPrefix.status).toBe(200);
    expect(byPrefix.body.items.map((user: { id: string }) => user.id).sort()).toEqual([ada.id, bob.id].sort());
    const exact = await t.http.get('/api/users').query({ email: ada.email }).set(admin.auth);
    expect(exact.body.items.map((user: { id: string }) => user.id)).toEqual([ada.id]);
    const byNumber = await t.http.get('/api/users').query({ accountNumber: bob.account.accountNumber }).set(admin.auth);
    expect(byNumber.body.items.map((user: { id: string }) => user.id)).toEqual([bob.id]);
  });

  it("matches LIKE's wildcards literally, and refuses a malformed account number", async () => {
    const admin = await createAdmin(t);
    await createUser(t, { email: `wild-${Date.now()}@example.com` });
    expect((await t.http.get('/api/users').query({ email: '%' }).set(admin.auth)).body.items).toEqual([]);
    expect((await t.http.get('/api/users').query({ email: '_ild' }).set(admin.auth)).body.items).toEqual([]);
    const bad = await t.http.get('/api/users').query({ accountNumber: '12ab' }).set(admin.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'query.accountNumber' })]);
  });

  it('is refused to customers', async () => {
    const alice = await createUser(t);
    const res = await t.http.get('/api/users').query({ email: alice.email }).set(alice.auth);
    expect(res.status).toBe(403);
  });
});

describe('GET /api/users/:id/accounts', () => {
  it("gives a customer their own accounts and balances, an admin anyone's, and refuses a customer someone else's", async () => {
    const admin = await createAdmin(t);
    const alice = await createUser(t);
    const mallory = await createUser(t);
    await t.http.post('/api/transactions/deposit').set(alice.auth).send({ accountId: alice.account.id, amount: 4_200 }).expect(201);
    await t.http.post('/api/accounts').set(alice.auth).send({ currency: 'USD', description: 'Dollars' }).expect(201);

    const own = await t.http.get(`/api/users/${alice.id}/accounts`).set(alice.auth);
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([
      expect.objectContaining({ id: alice.account.id, balance: 4_200, currency: 'NGN' }),
      expect.objectContaining({ currency: 'USD', balance: 0, description: 'Dollars' }),
    ]);
    expect((await t.http.get(`/api/users/${alice.id}/accounts`).set(admin.auth)).body).toEqual(own.body);
    expect((await t.http.get(`/api/users/${alice.id}/accounts`).set(mallory.auth)).status).toBe(403);
    expect((await t.http.get('/api/users/00000000-0000-4000-8000-000000000000/accounts').set(admin.auth)).status).toBe(404);
  });
});
