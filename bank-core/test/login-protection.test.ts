import { createUser, type TestUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

describe('login lockout after repeated failures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60' });
  });
  afterAll(() => t.close());

  it('locks the email after the maximum failures, even for the right password, with Retry-After', async () => {
    const user = await createUser(t);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' }).expect(401);
    }
    const locked = await t.http.post('/api/users/login').send({ email: user.email, password: user.password });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('locks an unknown email the same way, so the lock reveals nothing about who exists', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await t.http.post('/api/users/login').send({ email: 'ghost@example.com', password: 'wrong password' }).expect(401);
    }
    await t.http.post('/api/users/login').send({ email: 'ghost@example.com', password: 'wrong password' }).expect(429);
  });

  it('a successful login clears earlier failures', async () => {
    const user = await createUser(t);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' }).expect(401);
    }
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(200);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' }).expect(401);
    }
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(200);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('limits login attempts per email, across many client addresses, with a JSON 429', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const res = await t.http
        .post('/api/users/login')
        .set('X-Forwarded-For', `10.0.0.${attempt}`)
        .send({ email: 'target@example.com', password: 'guess' });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.error.code).toBe('RATE_LIMITED');
    }
    expect(statuses.slice(0, 5).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('limits account-number lookups tightly so numbers cannot be enumerated', async () => {
    const t2 = await startTestApp({ LOOKUP_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const user = await createUser(t2);
      const statuses = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        statuses.push((await t2.http.get(`/api/users/search/${user.account.accountNumber}`).set(user.auth)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await t2.close();
    }
  });
});

describe('password checks behind an access token share the login lockout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60' });
  });
  afterAll(() => t.close());

  const guess = (user: TestUser, currentPassword: string) =>
    t.http.put(`/api/users/${user.id}`).set(user.auth).send({ password: 'a brand new password', currentPassword });

  it('parallel wrong current-password guesses: only the maximum are checked, the rest get 429, and login is locked too', async () => {
    const user = await createUser(t);
    const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => guess(user, `wrong guess ${i}`)))).map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(17);
    const login = await t.http.post('/api/users/login').send({ email: user.email, password: user.password });
    expect(login.status).toBe(429);
    // The right current password gets the same answer while locked: the lock is not a guessing oracle.
    const right = await guess(user, user.password);
    expect(right.status).toBe(429);
    expect(right.body.error).toMatchObject({ code: 'RATE_LIMITED', message: login.body.error.message });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('wrong logins and wrong current passwords add up to one count for the account', async () => {
    const user = await createUser(t);
    await t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' }).expect(401);
    await guess(user, 'wrong password').expect(401);
    await t.http
      .put(`/api/users/${user.id}`)
      .set(user.auth)
      .send({ email: `new-${user.email}`, currentPassword: 'wrong' })
      .expect(401);
    await t.http.post('/api/users/login').send({ email: user.email, password: user.password }).expect(429);
  });

  it('parallel wrong logins: only the maximum are checked, the rest get 429', async () => {
    const user = await createUser(t);
    const statuses = (
      await Promise.all(
        Array.from({ length: 20 }, () => t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' })),
      )
    ).map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(17);
  });

  it('a right current password clears earlier failures, as a right login does', async () => {
    const user = await createUser(t);
    await guess(user, 'wrong password').expect(401);
    await guess(user, 'wrong password').expect(401);
    await t.http
      .put(`/api/users/${user.id}`)
      .set(user.auth)
      .send({ password: 'another new password', currentPassword: user.password })
      .expect(200);
    await t.http.post('/api/users/login').send({ email: user.email, password: 'wrong password' }).expect(401);
    await t.http.post('/api/users/login').send({ email: user.email, password: 'another new password' }).expect(200);
  });
});

describe('current-password checks are rate-limited per user', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUTH_RATE_LIMIT_PER_MINUTE: '5', LOGIN_MAX_FAILURES: '100' });
  });
  afterAll(() => t.close());

  it('past the per-minute budget a guess gets a JSON 429, while a change that checks no password still passes', async () => {
    const user = await createUser(t);
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const res = await t.http
        .put(`/api/users/${user.id}`)
        .set(user.auth)
        .send({ password: 'a brand new password', currentPassword: 'guess' });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.error.code).toBe('RATE_LIMITED');
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ name: 'Renamed' }).expect(200);
  });
});
