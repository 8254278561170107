import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from './support/eventually';
import { createUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('one error shape for every failure', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const res = await t.http.get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) } });
  });

  it('answers malformed JSON with a JSON 400 and changes nothing', async () => {
    const res = await t.http.post('/api/users/signup').set('Content-Type', 'application/json').send('{"name": "A", "email":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
  });

  it('answers a body over the size limit with a JSON 413', async () => {
    const res = await t.http.post('/api/users/signup').send({ name: 'A', email: 'big@example.com', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    await t.http.post('/api/users/login').send({ email: 'big@example.com', password: 'whatever' }).expect(401);
  });

  it('refuses wrong types, unknown fields and a missing body with per-field details', async () => {
    const user = await createUser(t);
    const wrongType = await t.http.post('/api/accounts').set(user.auth).send({ description: 12 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details).toEqual([expect.objectContaining({ path: 'body.description' })]);
    const unknown = await t.http.post('/api/accounts').set(user.auth).send({ description: 'x', owner: 'me' });
    expect(unknown.status).toBe(400);
    const noBody = await t.http.post('/api/users/login');
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual(['body.email', 'body.password']);
  });

  it.each([
    ['text/plain', '/api/transactions/deposit'],
    ['application/xml', '/api/transactions/deposit'],
    ['application/x-www-form-urlencoded', '/api/accounts'],
  ])('answers a JSON body sent as %s with 415 UNSUPPORTED_MEDIA_TYPE, not field errors, and moves nothing', async (type, url) => {
    const user = await createUser(t);
    const body = JSON.stringify({ accountId: user.account.id, amount: 100 });
    const res = await t.http.post(url).set(user.auth).set('Content-Type', type).send(body);
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const accounts = await t.http.get('/api/accounts').set(user.auth).expect(200);
    expect(accounts.body.items).toEqual([expect.objectContaining({ balance: 0 })]);
  });

  it('a request with no body at all is not a media-type error', async () => {
    const res = await t.http.post('/api/users/refresh');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.refreshToken', message: 'Required when there is no bank_refresh cookie' }]);
  });

  it('says "Required" for every missing field, whatever message the field gives a wrong value', async () => {
    const signup = await t.http.post('/api/users/signup').send({ name: 'No Password', email: 'nopass@example.com' });
    expect(signup.status).toBe(400);
    expect(signup.body.error.details).toEqual([{ path: 'body.password', message: 'Required' }]);
    const user = await createUser(t);
    const deposit = await t.http.post('/api/transactions/deposit').set(user.auth).send({});
    expect(deposit.status).toBe(400);
    expect(deposit.body.error.details).toEqual([
      { path: 'body.accountId', message: 'Required' },
      { path: 'body.amount', message: 'Required' },
    ]);
    const send = await t.http.post('/api/transactions/send').set(user.auth).send({ fromAccountId: user.account.id, amount: 1 });
    expect(send.body.error.details).toEqual([{ path: 'body.toAccountNumber', message: 'Required' }]);
  });

  it('answers a JSON array body with a validation error', async () => {
    const res = await t.http.post('/api/users/login').send([1, 2]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
  });
});

describe('request ids', () => {
  it('gives every request an id of its own, even when the client sends one', async () => {
    const first = await t.http.get('/healthz').set('X-Request-Id', 'trace-123');
    const second = await t.http.get('/healthz').set('X-Request-Id', 'trace-123');
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('puts the request id into error bodies', async () => {
    const res = await t.http.get('/api/accounts');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });
});

describe('logs', () => {
  it('writes one JSON line per request with route, status, request id and user id, and never a password or token', async () => {
    const logDir = path.join(t.config.dataDir, 'request-logs');
    const logged = await startTestApp({ LOG_DIR: logDir, LOG_LEVEL: 'info', LOG_CONSOLE: 'false' }, { fileLogs: true });
    try {
      const user = await createUser(logged);
      const res = await logged.http.get('/api/users/me').set(user.auth).set('X-Request-Id', 'log-check-1').expect(200);
      const requestId = res.headers['x-request-id'];
      const lines = await eventually(() => {
        const parsed = readFileSync(path.join(logDir, 'info.log'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line));
        return parsed.some((line) => line.requestId === requestId) ? parsed : undefined;
      });
      const me = lines.find((line) => line.requestId === requestId);
      expect(me).toMatchObject({
        method: 'GET',
        route: '/api/users/me',
        status: 200,
        userId: user.id,
        clientRequestId: 'log-check-1',
        durationMs: expect.any(Number),
      });
      const all = lines.map((line) => JSON.stringify(line)).join('\n');
      expect(all).not.toContain(user.password);
      expect(all).not.toContain(user.token);
      expect(all).not.toContain(user.refreshToken);
    } finally {
      await logged.close();
    }
  });
});
