import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadContract } from './support/contract';
import { createUser } from './support/factories';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const me = (token: string) => t.http.get('/api/users/me').set('Authorization', `Bearer ${token}`);

function claimsOf(token: string) {
  return jwt.decode(token) as Record<string, unknown>;
}

describe('access tokens are refused when', () => {
  it('missing', async () => {
    const res = await t.http.get('/api/users/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('not a bearer token', async () => {
    const user = await createUser(t);
    await t.http.get('/api/users/me').set('Authorization', `Basic ${user.token}`).expect(401);
  });

  it('malformed', async () => {
    await me('not.a.jwt').expect(401);
  });

  it('the signature is tampered with', async () => {
    const user = await createUser(t);
    const [header, , signature] = user.token.split('.');
    const payload = b64({ ...claimsOf(user.token), role: 'admin' });
    await me(`${header}.${payload}.${signature}`).expect(401);
  });

  it('it uses alg none', async () => {
    const user = await createUser(t);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(user.token))}.`;
    await me(unsigned).expect(401);
  });

  it('it uses another algorithm, even with the right secret', async () => {
    const user = await createUser(t);
    const claims = claimsOf(user.token);
    const header = b64({ alg: 'HS512', typ: 'JWT' });
    const body = b64(claims);
    const signature = createHmac('sha512', TEST_JWT_SECRET).update(`${header}.${body}`).digest('base64url');
    await me(`${header}.${body}.${signature}`).expect(401);
  });

  it('expired', async () => {
    const user = await createUser(t);
    const claims = claimsOf(user.token);
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const res = await me(expired);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/i);
  });

  it('issued by someone else or for another audience', async () => {
    const user = await createUser(t);
    const claims = claimsOf(user.token);
    await me(jwt.sign({ ...claims, iss: 'evil' }, TEST_JWT_SECRET, { algorithm: 'HS256' })).expect(401);
    await me(jwt.sign({ ...claims, aud: 'other-app' }, TEST_JWT_SECRET, { algorithm: 'HS256' })).expect(401);
  });

  it('signed with another secret', async () => {
    const user = await createUser(t);
    await me(jwt.sign(claimsOf(user.token), 'another-secret-of-sufficient-length-0123456789', { algorithm: 'HS256' })).expect(401);
  });

  it('a correctly signed token claims an unknown role', async () => {
    const user = await createUser(t);
    await me(jwt.sign({ ...claimsOf(user.token), role: 'superuser' }, TEST_JWT_SECRET, { algorithm: 'HS256' })).expect(401);
  });
});

describe('a token signed with the real secret but holding claims this server never issues', () => {
  const contract = loadContract();
  const someId = '3f8b2a6e-1c4d-4e7a-9b0f-5d2c8e1a7b34';
  /** Every documented operation that takes a user's token, on a path whose ids are well-formed. */
  const userRoutes = contract.operations
    .filter((operation) => JSON.stringify(operation.spec.security ?? []).includes('bearerAuth'))
    .map((operation) => ({
      method: operation.method.toLowerCase() as 'get',
      path: operation.template.replace(/\{(id|accountId)\}/, someId).replace('{accountNumber}', '1234567890'),
    }));

  it.each([
    ['a sub that is not a UUID', { sub: 'not-a-uuid' }],
    ['a sub with a NUL', { sub: `${someId}\u0000` }],
    ['a sid that is not a UUID', { sid: 'session-1' }],
    ['a jti that is not a UUID', { jti: 'token-1' }],
    ['an exp no date can hold', { exp: 1e300 }],
  ])('is refused with 401 on every route when it has %s', async (_case, change) => {
    const user = await createUser(t);
    const token = jwt.sign({ ...claimsOf(user.token), ...change }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    expect(userRoutes.length).toBeGreaterThan(20);
    const statuses = new Set<number>();
    for (const route of userRoutes) {
      const res = await t.http[route.method](route.path).set('Authorization', `Bearer ${token}`);
      statuses.add(res.status);
      if (res.status !== 401) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${res.status}`);
    }
    expect([...statuses]).toEqual([401]);
  });

  it.each([
    ['a subject without the service: prefix', 'websocket'],
    ['an empty service name', 'service:'],
    ['a service name with a newline', 'service:websocket\nadmin'],
    ['a service name of 65 characters', `service:${'w'.repeat(65)}`],
  ])('is refused on the internal routes as a service token with %s', async (_case, subject) => {
    const token = jwt.sign({ svc: true }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      issuer: t.config.jwt.issuer,
      audience: `${t.config.jwt.audience}:internal`,
      subject,
      expiresIn: 60,
    });
    // The session check first: were the token accepted, the event feed would open a stream that never ends.
    await t.http.post('/internal/sessions/check').set('Authorization', `Bearer ${token}`).send({ sessionId: someId }).expect(401);
    await t.http.get('/internal/events').set('Authorization', `Bearer ${token}`).expect(401);
  });
});
