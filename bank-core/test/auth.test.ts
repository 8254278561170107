import { createUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const login = (email: string, password: string) => t.http.post('/api/users/login').send({ email, password });

describe('signup', () => {
  it('creates a customer with a default NGN account at zero and never returns the password', async () => {
    const res = await t.http.post('/api/users/signup').send({ name: ' Ada ', email: ' Ada@Example.COM ', password: 'correct horse' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Ada', email: 'ada@example.com', role: 'customer' });
    expect(res.body.account).toMatchObject({ currency: 'NGN', balance: 0, status: 'open' });
    expect(res.body.account.accountNumber).toMatch(/^[1-9][0-9]{9}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/correct horse|password|hash/i);
  });

  it('refuses a second signup with the same email in any case or spacing', async () => {
    await t.http.post('/api/users/signup').send({ name: 'One', email: 'dup@example.com', password: 'password-1' }).expect(201);
    const res = await t.http.post('/api/users/signup').send({ name: 'Two', email: '  DUP@example.com', password: 'password-2' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it('refuses a role in the body, so nobody can sign up as admin', async () => {
    const res = await t.http
      .post('/api/users/signup')
      .send({ name: 'Eve', email: 'eve@example.com', password: 'password-1', role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body' })]));
  });

  it.each([
    ['a short password', { name: 'A', email: 'a@example.com', password: 'short' }, 'body.password'],
    ['a password over 72 bytes', { name: 'A', email: 'a@example.com', password: 'x'.repeat(129) }, 'body.password'],
    ['an invalid email', { name: 'A', email: 'not-an-email', password: 'password-1' }, 'body.email'],
    ['an empty name', { name: '  ', email: 'a@example.com', password: 'password-1' }, 'body.name'],
    ['a number as name', { name: 42, email: 'a@example.com', password: 'password-1' }, 'body.name'],
  ])('refuses %s with a per-field 400', async (_case, body, path) => {
    const res = await t.http.post('/api/users/signup').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });
});

describe("new passwords and bcrypt's 72 bytes", () => {
  // bcrypt reads only the first 72 bytes: a longer password would be cut silently, so it is refused instead.
  it.each([
    ['73 ASCII characters', 'x'.repeat(73)],
    ['37 accented letters (74 bytes)', '\u00e9'.repeat(37)],
    ['18 emoji and a letter (73 bytes)', `${'\u{1f600}'.repeat(18)}x`],
  ])('refuses %s at sign-up and on a password change, saying why', async (_case, password) => {
    const signup = await t.http.post('/api/users/signup').send({ name: 'Long', email: 'long@example.com', password });
    expect(signup.status).toBe(400);
    expect(signup.body.error.details).toEqual([{ path: 'body.password', message: expect.stringMatching(/72 bytes in UTF-8/) }]);
    const user = await createUser(t);
    const change = await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ password, currentPassword: user.password });
    expect(change.status).toBe(400);
    await login(user.email, user.password).expect(200);
  });

  it('accepts exactly 72 bytes, and only the whole password logs in', async () => {
    const password = `${'\u00e9'.repeat(35)}ab`; // 70 + 2 bytes
    const user = await createUser(t, { password });
    await login(user.email, password).expect(200);
    await login(user.email, password.slice(0, -1)).expect(401);
  });

  it('still logs in with a longer password set before the rule: login tries whatever it always tried', async () => {
    const password = 'an old passphrase from before the 72-byte rule, '.repeat(2); // 98 characters
    const email = 'old-timer@example.com';
    await t.services.auth.signup({ name: 'Old Timer', email, password });
    await login(email, password).expect(200);
  });
});

describe('login', () => {
  it('returns a bearer token pair for the right password', async () => {
    const user = await createUser(t);
    const res = await login(user.email.toUpperCase(), user.password);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    await t.http.get('/api/users/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const user = await createUser(t);
    const wrongPassword = await login(user.email, 'wrong password');
    const unknownEmail = await login('nobody@example.com', 'wrong password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const { requestId: _a, ...first } = wrongPassword.body.error;
    const { requestId: _b, ...second } = unknownEmail.body.error;
    expect(first).toEqual(second);
  });
});

describe('refresh and logout', () => {
  it('rotates the refresh token: the new pair works and the old refresh token is spent', async () => {
    const user = await createUser(t);
    const first = await t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    await t.http.get('/api/users/me').set('Authorization', `Bearer ${first.body.token}`).expect(200);
    const second = await t.http.post('/api/users/refresh').send({ refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
  });

  it('on reuse of a spent refresh token, revokes the whole family including the newest tokens', async () => {
    const user = await createUser(t);
    const rotated = await t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    const reuse = await t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken });
    expect(reuse.status).toBe(401);
    await t.http.post('/api/users/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
    await t.http.get('/api/users/me').set('Authorization', `Bearer ${rotated.body.token}`).expect(401);
  });

  it('when two refreshes race with one token, at most one succeeds', async () => {
    const user = await createUser(t);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken })),
    );
    expect(results.filter((res) => res.status === 200).length).toBeLessThanOrEqual(1);
  });

  it('logout revokes the refresh token and ends the session of its access token', async () => {
    const user = await createUser(t);
    await t.http.post('/api/users/logout').send({ refreshToken: user.refreshToken }).expect(204);
    await t.http.post('/api/users/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    const me = await t.http.get('/api/users/me').set(user.auth);
    expect(me.status).toBe(401);
    expect(me.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses an unknown refresh token', async () => {
    const res = await t.http.post('/api/users/refresh').send({ refreshToken: 'made-up' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});
