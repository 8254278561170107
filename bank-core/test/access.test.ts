import { setUserRole } from '../src/repositories/user.repository';
import { eventually } from './support/eventually';
import { createAdmin, createUser } from './support/factories';
import { deposit } from './support/money';
import { startSecondInstance, startTestApp, type TestApp } from './support/test-app';

// Authorization follows the current state of the database, not what an access token said when it was
// issued: a role change, a logout or a deletion applies to tokens already out there, on every instance.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const onPostgres = process.env.TEST_DATABASE_URL ? it : it.skip;

describe('a revoked admin role', () => {
  it("stops the user's existing token from listing users, reversing deposits and reading others' histories at once", async () => {
    const admin = await createAdmin(t);
    const customer = await createUser(t);
    const { id: depositId } = await deposit(t, customer, 500);
    // The admin's session is live and cached as an admin's.
    await t.http.get('/api/users').set(admin.auth).expect(200);
    await t.http.get(`/api/transactions/history/${customer.account.id}`).set(admin.auth).expect(200);

    await setUserRole(t.db, admin.email, 'customer'); // what `npm run make-admin -- EMAIL --revoke` does

    await eventually(async () => ((await t.http.get('/api/users').set(admin.auth)).status === 403 ? true : undefined), 1_000);
    expect((await t.http.post(`/api/transactions/${depositId}/reverse`).set(admin.auth)).status).toBe(403);
    expect((await t.http.get(`/api/transactions/history/${customer.account.id}`).set(admin.auth)).status).toBe(404);
    expect((await t.http.get(`/api/users/${customer.id}`).set(admin.auth)).status).toBe(403);
    const deposits = await t.http.get(`/api/transactions/history/${customer.account.id}`).set(customer.auth);
    expect(deposits.body.items).toHaveLength(1);
  });

  it('a role granted applies to a token issued before it', async () => {
    const user = await createUser(t);
    await t.http.get('/api/users').set(user.auth).expect(403);
    await setUserRole(t.db, user.email, 'admin');
    await eventually(async () => ((await t.http.get('/api/users').set(user.auth)).status === 200 ? true : undefined), 1_000);
  });

  onPostgres('applies at once on another instance that has the session cached', async () => {
    const other = await startSecondInstance(t);
    try {
      const admin = await createAdmin(t);
      await other.http.get('/api/users').set(admin.auth).expect(200);
      await setUserRole(t.db, admin.email, 'customer');
      await eventually(async () => ((await other.http.get('/api/users').set(admin.auth)).status === 403 ? true : undefined), 1_000);
    } finally {
      await other.close();
    }
  });
});

describe('an ended session', () => {
  onPostgres('is refused by another instance at once after a logout', async () => {
    const other = await startSecondInstance(t);
    try {
      const user = await createUser(t);
      await other.http.get('/api/users/me').set(user.auth).expect(200);
      await t.http.post('/api/users/logout').send({ refreshToken: user.refreshToken }).expect(204);
      await eventually(async () => ((await other.http.get('/api/users/me').set(user.auth)).status === 401 ? true : undefined), 1_000);
    } finally {
      await other.close();
    }
  });

  it("is refused once the user is deleted, whatever the token's expiry says", async () => {
    const user = await createUser(t);
    await t.http.get('/api/users/me').set(user.auth).expect(200);
    await t.http.delete(`/api/users/${user.id}`).set(user.auth).expect(204);
    expect((await t.http.get('/api/accounts').set(user.auth)).status).toBe(401);
  });
});

describe('POST /internal/sessions/check', () => {
  const serviceAuth = () => ({ Authorization: `Bearer ${t.services.serviceTokens.sign('websocket')}` });

  it("says whether a login session is still live, with the user's current role", async () => {
    const user = await createUser(t);
    const { sessionId, userId } = t.services.accessTokens.verify(user.token);
    const live = await t.http.post('/internal/sessions/check').set(serviceAuth()).send({ sessionId, userId });
    expect(live.body).toEqual({ active: true, role: 'customer' });
    await setUserRole(t.db, user.email, 'admin');
    await eventually(async () => {
      const res = await t.http.post('/internal/sessions/check').set(serviceAuth()).send({ sessionId, userId });
      return res.body.role === 'admin' ? true : undefined;
    }, 1_000);
    await t.http.post('/api/users/logout').send({ refreshToken: user.refreshToken }).expect(204);
    const ended = await t.http.post('/internal/sessions/check').set(serviceAuth()).send({ sessionId, userId });
    expect(ended.body).toEqual({ active: false });
  });

  it('a session is not live for another user', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const { sessionId } = t.services.accessTokens.verify(alice.token);
    const res = await t.http.post('/internal/sessions/check').set(serviceAuth()).send({ sessionId, userId: bob.id });
    expect(res.body).toEqual({ active: false });
  });
});
