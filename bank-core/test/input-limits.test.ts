import { createAdmin, createUser, type TestUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Nothing reaches the database that it cannot store: integers past 64 bits (or past 2^53 where they become
 * JavaScript numbers), text PostgreSQL cannot hold or UTF-8 cannot carry, and dates outside 1900..9999,
 * including the ones inside opaque cursors. Each is a 400 naming the field, and changes nothing.
 */

let t: TestApp;
let user: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  user = await createUser(t);
  await deposit(t, user, 1_000);
});
afterAll(() => t.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function expectRefused(res: { status: number; body: { error?: { code: string; details?: { path: string }[] } } }, path: string) {
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('VALIDATION');
  expect(res.body.error?.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
}

describe('integers', () => {
  it.each([
    ['2^63 - 1, a BIGINT JavaScript cannot hold exactly', 'h9223372036854775807'],
    ['2^53 + 1, which JavaScript would round to another entry', 'h9007199254740993'],
    ['2^64', 'h18446744073709551616'],
    ['twenty digits', 'h99999999999999999999'],
  ])('refuses a history cursor of %s', async (_case, cursor) => {
    const res = await t.http.get(`/api/transactions/history/${user.account.id}?cursor=${cursor}`).set(user.auth);
    expectRefused(res, 'query.cursor');
  });

  it('accepts the largest safe cursor: every entry is older than it', async () => {
    const res = await t.http.get(`/api/transactions/history/${user.account.id}?cursor=h9007199254740991`).set(user.auth);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it.each([
    ['the transaction id past 2^64 - 1', '18446744073709551616-1'],
    ['the event id past 2^63 - 1', '1-9223372036854775808'],
    ['both far past', '99999999999999999999-9999999999999999999'],
  ])('refuses a feed position with %s, as Last-Event-ID and as ?after, before the stream opens', async (_case, position) => {
    const service = { Authorization: `Bearer ${t.services.serviceTokens.sign('websocket')}` };
    expectRefused(await t.http.get('/internal/events').set(service).set('Last-Event-ID', position), 'headers.last-event-id');
    expectRefused(await t.http.get(`/internal/events?after=${position}`).set(service), 'query.after');
  });
});

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a NUL', 'a\u0000b'],
    ['an unpaired high surrogate, which would be stored as U+FFFD', 'a\ud800b'],
    ['an unpaired low surrogate', 'a\udc00b'],
  ])('refuses %s in a sign-up name, and no user is made', async (_case, name) => {
    const email = `nul-${Math.random().toString(36).slice(2)}@example.com`;
    expectRefused(await t.http.post('/api/users/signup').send({ name, email, password: 'correct horse' }), 'body.name');
    expect((await t.http.post('/api/users/login').send({ email, password: 'correct horse' })).status).toBe(401);
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['an unpaired surrogate', 'a\ud800b'],
  ])('refuses %s in a narration, an account description and a new password, changing nothing', async (_case, text) => {
    const before = await balanceOf(t, user);
    const movement = await t.http
      .post('/api/transactions/deposit')
      .set(user.auth)
      .send({ accountId: user.account.id, amount: 5, narration: text });
    expectRefused(movement, 'body.narration');
    expect(await balanceOf(t, user)).toBe(before);
    expectRefused(await t.http.post('/api/accounts').set(user.auth).send({ description: text }), 'body.description');
    expectRefused(await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ description: text }), 'body.description');
    const password = `long enough ${text}`;
    expectRefused(
      await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ password, currentPassword: user.password }),
      'body.password',
    );
    await t.http.get('/api/users/me').set(user.auth).expect(200); // the session survives: nothing was changed
  });
});

describe('admin reversal reasons are display text, like the narration they become', () => {
  it.each([
    ['a NUL', 'abc\u0000def'],
    ['an unpaired surrogate', 'abc\ud800def'],
    ['a right-to-left override', 'abc \u202eevil'],
    ['a control character', 'abc\u0007def'],
    ['a zero-width space', 'abc\u200bdef'],
    ['a noncharacter', 'abc\uffffdef'],
    ['a line break', 'abc\ndef'],
  ])('refuses %s in the reason with 400, and reverses nothing', async (_case, reason) => {
    const admin = await createAdmin(t);
    const owner = await createUser(t);
    const original = await deposit(t, owner, 7);
    const res = await t.http.post(`/api/transactions/${original.id}/reverse`).set(admin.auth).send({ reason });
    expectRefused(res, 'body.reason');
    expect(await balanceOf(t, owner)).toBe(7);
    const after = await t.http.get(`/api/transactions/${original.id}`).set(admin.auth).expect(200);
    expect(after.body.reversedBy ?? null).toBeNull();
  });

  it('keeps a reason in NFC and trimmed, in the reversal narration', async () => {
    const admin = await createAdmin(t);
    const original = await deposit(t, admin, 7);
    const res = await t.http.post(`/api/transactions/${original.id}/reverse`).set(admin.auth).send({ reason: '  Cafe\u0301 refund ' });
    expect(res.status).toBe(201);
    expect(res.body.narration).toBe(`Reversal of ${original.reference}: Caf\u00e9 refund`);
  });
});

describe('query-string and path parameters PostgreSQL cannot store', () => {
  it.each([
    ['the admin user search', '/api/users?email=a%00', 'query.email'],
    ['the admin user search, NUL in the first place', '/api/users?email=%00', 'query.email'],
    ['the admin user search, as a repeated key', '/api/users?email=a&email=b%00', 'query.email.1'],
    ['a transaction filter', '/api/transactions?type=deposit%00', 'query.type'],
    ['an unknown query key', '/api/transactions?x%00=1', 'query'],
    ['a path id', '/api/users/%00', 'params.id'],
    ['an account number in the path', '/api/users/search/012345678%00', 'params.accountNumber'],
  ])('refuses a NUL in %s with 400, not 500', async (_case, url, path) => {
    const admin = await createAdmin(t);
    expectRefused(await t.http.get(url).set(admin.auth), path);
  });

  it('still finds a user by the start of their email', async () => {
    const admin = await createAdmin(t);
    const res = await t.http
      .get('/api/users')
      .query({ email: user.email.slice(0, 12).toUpperCase() })
      .set(admin.auth)
      .expect(200);
    expect(res.body.items.map((item: { id: string }) => item.id)).toContain(user.id);
  });
});

describe('dates', () => {
  const history = (query: string) => t.http.get(`/api/transactions/history/${user.account.id}?${query}`).set(user.auth);

  it.each([
    ['year 0, which the embedded database refuses', '0000-01-01T00:00:00Z'],
    ['just before 1900', '1899-12-31T23:59:59.999Z'],
    ['a time in 9999 that is past 9999 as an instant', '9999-12-31T23:00:00-05:00'],
  ])('refuses %s in from and to, on the history, the statement and the transaction list', async (_case, date) => {
    expectRefused(await history(`from=${encodeURIComponent(date)}`), 'query.from');
    expectRefused(await history(`to=${encodeURIComponent(date)}`), 'query.to');
    const statement = await t.http
      .get(`/api/transactions/history/${user.account.id}/statement.csv?from=${encodeURIComponent(date)}`)
      .set(user.auth);
    expectRefused(statement, 'query.from');
    expectRefused(await t.http.get(`/api/transactions?to=${encodeURIComponent(date)}`).set(user.auth), 'query.to');
  });

  it('accepts the first and the last moment of the range', async () => {
    const res = await history('from=1900-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it.each([
    ['a date in year 0', b64(['0000-01-01T00:00:00.000Z', '3f8b2a6e-1c4d-4e7a-9b0f-5d2c8e1a7b34'])],
    ['a date past 9999', b64(['+010000-01-01T00:00:00.000Z', '3f8b2a6e-1c4d-4e7a-9b0f-5d2c8e1a7b34'])],
    ['a number where the date goes', b64([0, '3f8b2a6e-1c4d-4e7a-9b0f-5d2c8e1a7b34'])],
    ['an id that is not a UUID', b64(['2025-01-01T00:00:00.000Z', '1 OR 1=1'])],
    ['not JSON', Buffer.from('[').toString('base64url')],
  ])('refuses a keyset cursor holding %s, on the transaction list and the admin user list', async (_case, cursor) => {
    const admin = await createAdmin(t);
    expectRefused(await t.http.get(`/api/transactions?cursor=${cursor}`).set(user.auth), 'query.cursor');
    expectRefused(await t.http.get(`/api/users?cursor=${cursor}`).set(admin.auth), 'query.cursor');
  });
});

describe('headers', () => {
  it.each([
    ['a byte outside ASCII', 'key-\u00ff'],
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'two words'],
  ])('refuses an Idempotency-Key with %s, and nothing moves', async (_case, key) => {
    const before = await balanceOf(t, user);
    const res = await t.http
      .post('/api/transactions/deposit')
      .set(user.auth)
      .set('Idempotency-Key', key)
      .send({ accountId: user.account.id, amount: 5 });
    expectRefused(res, 'headers.idempotency-key');
    expect(await balanceOf(t, user)).toBe(before);
  });
});
