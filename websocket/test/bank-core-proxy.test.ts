import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUser } from '../../bank-core/test/support/factories';
import { startTestApp, type TestApp } from '../../bank-core/test/support/test-app';
import { startService, type TestService } from './support/ws-service';

// The page calls bank-core through this service (one origin); here that path is checked with the real bank-core.
let core: TestApp;
let coreServer: Server;
let service: TestService;

beforeAll(async () => {
  core = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
  coreServer = core.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => coreServer.once('listening', resolve));
  service = await startService({ BANK_CORE_URL: `http://127.0.0.1:${(coreServer.address() as AddressInfo).port}` });
}, 30_000);

afterAll(async () => {
  await service.stop();
  coreServer.closeAllConnections();
  await new Promise((resolve) => coreServer.close(resolve));
  await core.close();
});

describe("the page's one origin: /api and /docs forwarded to bank-core", () => {
  it("forwards API calls, answering with bank-core's own request id, and the refresh cookie works through it", async () => {
    const user = await createUser(core);
    const login = await service.http
      .post('/api/users/login')
      .set('X-Request-Id', 'page-login-1')
      .set('X-Refresh-Token-Delivery', 'cookie')
      .set('X-Forwarded-For', '198.51.100.1')
      .send({ email: user.email, password: user.password });
    expect(login.status).toBe(200);
    // bank-core's id for the request (the one written on anything it changes), not the client's.
    expect(login.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^bank_refresh=.+; Path=\/api\/users; Expires=.+; HttpOnly; SameSite=Strict$/);

    const refreshed = await service.http
      .post('/api/users/refresh')
      .set('Cookie', cookie.split(';')[0]!)
      .set('X-Forwarded-For', '198.51.100.1');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ token: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
  });

  it("adds X-Forwarded-For, so bank-core's per-client rate limit counts each client, not the service", async () => {
    const from = (ip: string) => service.http.get('/api/users/me').set('X-Forwarded-For', ip);
    for (let i = 0; i < 3; i += 1) expect((await from('203.0.113.5')).status).toBe(401);
    expect((await from('203.0.113.5')).status).toBe(429);
    expect((await from('203.0.113.6')).status).toBe(401);
  });

  it("answers its own /api/websocket routes itself and forwards bank-core's docs", async () => {
    const config = await service.http.get('/api/websocket/config');
    expect(config.body).toEqual({ wsPath: '/ws', idleTimeoutMs: 600_000, idleWarningMs: 60_000 });
    expect(config.headers['cache-control']).toBe('no-store');
    const docs = await service.http.get('/docs/').set('X-Forwarded-For', '203.0.113.9');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
    expect((await service.http.get('/api/websocket/nothing')).body.error.code).toBe('NOT_FOUND');
  });

  it('answers 503 in the common error shape when bank-core cannot be reached', async () => {
    const lonely = await startService({ BANK_CORE_URL: 'http://127.0.0.1:9' });
    try {
      const res = await lonely.http.get('/api/accounts');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), requestId: res.headers['x-request-id'] },
      });
    } finally {
      await lonely.stop();
    }
  });
});
