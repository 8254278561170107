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

describe('browser sessions: the refresh token in an httpOnly cookie', () => {
  const COOKIE = 'bank_refresh';
  /** Logs in the way the page does: the refresh token in the cookie. */
  const cookieLogin = (app: TestApp, user: { email: string; password: string }) =>
    app.http.post('/api/users/login').set('X-Refresh-Token-Delivery', 'cookie').send({ email: user.email, password: user.password });
  /** The Set-Cookie line for the refresh cookie, and its value. */
  const refreshCookie = (res: { headers: Record<string, unknown> }) => {
    const lines = (res.headers['set-cookie'] as string[] | undefined) ?? [];
    const line = lines.find((candidate) => candidate.startsWith(`${COOKIE}=`));
    return { line, value: line?.split(';')[0]!.slice(COOKIE.length + 1) };
  };

  it('at login with X-Refresh-Token-Delivery: cookie, sets an httpOnly SameSite=Strict cookie for /api/users and keeps the token out of the body', async () => {
    const user = await createUser(t);
    const res = await cookieLogin(t, user);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    const { line, value } = refreshCookie(res);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(line).toMatch(/; Path=\/api\/users/);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Expires=/);
    expect(line).not.toMatch(/; Secure/); // only in production
  });

  it('refreshes from the cookie alone (no body), rotating it; the spent cookie is refused and cleared', async () => {
    const user = await createUser(t);
    const login = await cookieLogin(t, user);
    const first = refreshCookie(login).value!;
    const refreshed = await t.http.post('/api/users/refresh').set('Cookie', `${COOKIE}=${first}`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toBeUndefined();
    const second = refreshCookie(refreshed).value!;
    expect(second).not.toBe(first);
    await t.http.get('/api/users/me').set('Authorization', `Bearer ${refreshed.body.token}`).expect(200);

    const reused = await t.http.post('/api/users/refresh').set('Cookie', `${COOKIE}=${first}`);
    expect(reused.status).toBe(401);
    expect(refreshCookie(reused).line).toMatch(/^bank_refresh=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('prefers a refresh token in the body over the cookie, and answers a body token in the body as before', async () => {
    const user = await createUser(t);
    const res = await t.http
      .post('/api/users/refresh')
      .set('Cookie', `${COOKIE}=not-a-real-token`)
      .send({ refreshToken: user.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).toEqual(expect.any(String));
    expect(refreshCookie(res).line).toBeUndefined();
  });

  it('refuses a refresh with neither a body token nor a cookie (400), and an unknown delivery', async () => {
    const none = await t.http.post('/api/users/refresh');
    expect(none.status).toBe(400);
    expect(none.body.error.details).toEqual([expect.objectContaining({ path: 'body.refreshToken' })]);
    const user = await createUser(t);
    const bad = await t.http
      .post('/api/users/login')
      .set('X-Refresh-Token-Delivery', 'localStorage')
      .send({ email: user.email, password: user.password });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'headers.x-refresh-token-delivery' })]);
  });

  it('logout with the cookie ends the session and clears the cookie', async () => {
    const user = await createUser(t);
    const login = await cookieLogin(t, user);
    const cookie = refreshCookie(login).value!;
    const out = await t.http.post('/api/users/logout').set('Cookie', `${COOKIE}=${cookie}`);
    expect(out.status).toBe(204);
    expect(refreshCookie(out).line).toMatch(/^bank_refresh=;/);
    await t.http.get('/api/users/me').set('Authorization', `Bearer ${login.body.token}`).expect(401);
    await t.http.post('/api/users/refresh').set('Cookie', `${COOKIE}=${cookie}`).expect(401);
  });

  it('marks the cookie Secure in production', async () => {
    const prod = await startTestApp({ NODE_ENV: 'production' });
    try {
      const user = await createUser(prod);
      const login = await cookieLogin(prod, user);
      expect(refreshCookie(login).line).toMatch(/; Secure/);
    } finally {
      await prod.close();
    }
  });
});
