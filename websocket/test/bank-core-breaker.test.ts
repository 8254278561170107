import { startFakeBankCore, type FakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { until } from './support/until';
import { authedClient, openClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

// The circuit breaker around the calls to bank-core (services/bank-core-breaker.ts), seen from outside:
// /metrics, the page's /api calls and real sockets, against a fake bank-core that can stop answering.
let bank: FakeBankCore;
const started: TestService[] = [];
const RESET_MS = 300;

async function service(env: Record<string, string> = {}): Promise<TestService> {
  const running = await startService({
    BANK_CORE_URL: bank.url,
    WS_BANK_CORE_BREAKER_RESET_MS: String(RESET_MS),
    WS_SESSION_CHECK_INTERVAL_MS: '100',
    ...env,
  });
  started.push(running);
  return running;
}

/** websocket_bank_core_breaker_state as /metrics reports it: 0 closed, 1 half-open, 2 open. */
async function breakerGauge(of: TestService): Promise<number> {
  const res = await of.http.get('/metrics').expect(200);
  const match = /^websocket_bank_core_breaker_state (\d)$/m.exec(res.text);
  if (!match) throw new Error(`no breaker gauge in /metrics:\n${res.text}`);
  return Number(match[1]);
}
const gaugeBecomes = (of: TestService, value: number, timeoutMs = 5_000) =>
  until(async () => ((await breakerGauge(of)) === value ? true : undefined), timeoutMs);

beforeEach(async () => {
  bank = await startFakeBankCore();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((running) => running.stop()));
  await bank.close();
});

describe('the circuit breaker around bank-core', () => {
  it('opens after bank-core stops answering: /api is then answered 503 at once without reaching bank-core', async () => {
    const ws = await service({ WS_BANK_CORE_BREAKER_RESET_MS: '60000' });
    expect(await breakerGauge(ws)).toBe(0);
    expect((await ws.http.get('/api/accounts')).status).toBe(404); // forwarded: the fake answers 404
    bank.setDown(true);
    // Each call bank-core leaves unanswered is a 503 from the proxy, and a failure counted by the breaker.
    for (let i = 0; i < 3; i += 1) expect((await ws.http.get('/api/accounts')).status).toBe(503);
    await gaugeBecomes(ws, 2);

    const reached = bank.arrivals.length;
    const startedAt = Date.now();
    const res = await ws.http.get('/api/accounts/123/history').set('X-Request-Id', 'client-1');
    expect(Date.now() - startedAt).toBeLessThan(500);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: {
        code: 'SERVICE_UNAVAILABLE',
        message: 'The bank service cannot be reached; try again shortly',
        requestId: res.headers['x-request-id'],
      },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(50); // the breaker's next trial, ~60 s away
    expect(bank.arrivals.length).toBe(reached);
    expect((await ws.http.get('/healthz').expect(200)).body.bankCore).toEqual({ breaker: 'open' });
  });

  it('refuses new sockets with 1013 while bank-core cannot confirm sessions, and the activity API with 503', async () => {
    const ws = await service({ WS_BANK_CORE_BREAKER_RESET_MS: '60000' });
    bank.setDown(true);
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const { token } = mintToken();
      const client = await openClient(ws.wsUrl);
      client.send({ type: 'auth', token });
      expect(await client.next()).toMatchObject({ type: 'auth', status: 'error', code: 'SERVICE_UNAVAILABLE' });
      expect((await client.closed).code).toBe(1013);
    }
    expect(await breakerGauge(ws)).toBe(2);
    const { auth } = mintToken();
    const res = await ws.http.get('/api/websocket/interactions').set(auth);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: res.headers['x-request-id'] });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(ws.lines('errors').filter((line) => line.type === 'auth.failed')).toHaveLength(4);
  });

  it('keeps an authenticated socket through an outage shorter than the grace, and closes it 1013 once the grace is spent', async () => {
    // Generous: the short outage below must end (breaker closed again) well within it, even on a loaded machine.
    const graceMs = 3_000;
    const ws = await service({ WS_BANK_CORE_OUTAGE_GRACE_MS: String(graceMs) });
    const survivor = await authedClient(ws.wsUrl, mintToken().token);

    // A short outage: the sweep's re-checks fail, the breaker opens, bank-core returns before the grace ends.
    bank.setDown(true);
    await gaugeBecomes(ws, 2);
    bank.setDown(false);
    await gaugeBecomes(ws, 0, 2 * RESET_MS + 3_000);
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    survivor.send({ type: 'ping' });
    expect(await survivor.next((message) => message.type === 'pong')).toEqual({ type: 'pong' });

    // A long one: the socket is told why and closed once the grace has passed since the breaker opened.
    const downAt = Date.now();
    bank.setDown(true);
    // The successful re-checks of the last seconds are still in the breaker's 10 s window: it takes as many failures.
    await gaugeBecomes(ws, 2, 15_000);
    const closed = await survivor.closed;
    expect(closed).toEqual({ code: 1013, reason: 'Try again later' });
    // The grace runs from the breaker's opening, which came after bank-core went down.
    expect(Date.now() - downAt).toBeGreaterThanOrEqual(graceMs);
    expect(survivor.messages.at(-1)).toMatchObject({ type: 'error', code: 'SERVICE_UNAVAILABLE' });
  }, 60_000);

  it('closes again by itself once bank-core answers: sockets are accepted and /api is forwarded again', async () => {
    const ws = await service();
    bank.setDown(true);
    for (let i = 0; i < 3; i += 1) await ws.http.get('/api/accounts');
    await gaugeBecomes(ws, 2);
    // While bank-core stays down each half-open trial (a /readyz probe) fails and the breaker opens again:
    // it never reads closed, however the samples fall against the open / half-open cycle.
    const seen = new Set<number>();
    for (const until = Date.now() + 4 * RESET_MS; Date.now() < until;) {
      seen.add(await breakerGauge(ws));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen.has(0)).toBe(false);
    expect(bank.arrivals.filter((path) => path === '/readyz').length).toBeGreaterThanOrEqual(2);

    bank.setDown(false);
    // No client has to be the trial: the breaker's own probe closes it within one reset period.
    await gaugeBecomes(ws, 0, 2 * RESET_MS + 2_000);
    expect((await ws.http.get('/api/accounts')).status).toBe(404);
    const client = await authedClient(ws.wsUrl, mintToken().token);
    expect(client.messages[0]).toMatchObject({ type: 'auth', status: 'success' });
    await client.close();
  });
});
