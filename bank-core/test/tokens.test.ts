import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
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
