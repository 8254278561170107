import { eventually } from '../../bank-core/test/support/eventually';
import { startFakeBankCore, type FakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, openClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

let bank: FakeBankCore;
let service: TestService;
beforeAll(async () => {
  bank = await startFakeBankCore();
  service = await startService({ BANK_CORE_URL: bank.url, WS_AUTH_TIMEOUT_MS: '300', WS_SESSION_CHECK_INTERVAL_MS: '150' });
});
afterAll(async () => {
  await service.stop();
  await bank.close();
});

describe('authentication', () => {
  it('accepts a valid bank-core access token and answers with the user id', async () => {
    const { token, userId } = mintToken();
    const client = await openClient(service.wsUrl);
    client.send({ type: 'auth', token });
    expect(await client.next()).toEqual({ type: 'auth', status: 'success', userId });
    await client.close();
  });

  it.each([
    ['a garbage token', () => 'not-a-jwt'],
    ['a token signed with another secret', () => mintToken({ secret: 'another-secret-that-is-also-long-enough-0123456789' }).token],
    ['an expired token', () => mintToken({ ttlSeconds: -10 }).token],
  ])('refuses %s with an auth error and closes 4401', async (_case, token) => {
    const client = await openClient(service.wsUrl);
    client.send({ type: 'auth', token: token() });
    const reply = await client.next();
    expect(reply).toMatchObject({ type: 'auth', status: 'error', message: expect.any(String) });
    expect((await client.closed).code).toBe(4401);
  });

  it('refuses a token whose login session bank-core says has ended', async () => {
    const { token, sessionId } = mintToken();
    bank.revoke(sessionId);
    const client = await openClient(service.wsUrl);
    client.send({ type: 'auth', token });
    expect(await client.next()).toEqual({ type: 'auth', status: 'error', message: 'Session has ended; log in again' });
    expect((await client.closed).code).toBe(4401);
  });

  it('closes with 4408 a socket that does not authenticate in time', async () => {
    const client = await openClient(service.wsUrl);
    const started = Date.now();
    expect((await client.closed).code).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const line = await eventually(() => service.lines('errors').find((entry) => entry.type === 'auth.timeout'));
    expect(line).toMatchObject({ userId: null, data: { timeoutMs: 300 } });
  });

  it('answers a message sent before auth with an error and closes 4401', async () => {
    const client = await openClient(service.wsUrl);
    client.send({ type: 'ping' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    expect((await client.closed).code).toBe(4401);
  });

  it('ends the session when the access token expires', async () => {
    // exp has whole-second resolution: a 2 s lifetime leaves between 1 and 2 s, never an already-expired token.
    const { token } = mintToken({ ttlSeconds: 2 });
    const client = await authedClient(service.wsUrl, token);
    expect(await client.next((message) => message.type === 'session.expired', 3_000)).toEqual({ type: 'session.expired' });
    expect((await client.closed).code).toBe(4401);
  });

  it('closes 4401 a connected socket once its session is revoked in bank-core', async () => {
    const { token, sessionId } = mintToken();
    const other = mintToken();
    const client = await authedClient(service.wsUrl, token);
    const bystander = await authedClient(service.wsUrl, other.token);
    bank.revoke(sessionId);
    expect((await client.closed).code).toBe(4401);
    bystander.send({ type: 'ping' });
    expect(await bystander.next()).toEqual({ type: 'pong' });
    await bystander.close();
  });

  it('refuses with 1013 (try again later) a verified token whose session bank-core cannot confirm', async () => {
    bank.setSessionsDown(true);
    try {
      const { token } = mintToken();
      const client = await openClient(service.wsUrl);
      client.send({ type: 'auth', token });
      expect(await client.next()).toEqual({
        type: 'auth',
        status: 'error',
        code: 'SERVICE_UNAVAILABLE',
        message: 'The bank cannot confirm your session right now; try again shortly',
        retryAfterSeconds: expect.any(Number),
      });
      expect((await client.closed).code).toBe(1013);
    } finally {
      bank.setSessionsDown(false);
    }
  });

  it('the activity endpoints refuse a token whose session bank-core says has ended', async () => {
    const live = mintToken();
    const ended = mintToken();
    bank.revoke(ended.sessionId);
    await service.http.get('/api/websocket/interactions').set(live.auth).expect(200);
    const res = await service.http.get('/api/websocket/interactions').set(ended.auth);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Session has ended; log in again' });
  });
});
