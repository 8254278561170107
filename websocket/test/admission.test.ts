import { closeCodeOf, rawUpgrade, type RawConnection } from './support/raw-upgrade';
import { mintToken } from './support/tokens';
import { until } from './support/until';
import { authedClient, openClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

// Each test connects from its own loopback address (Linux answers on all of 127/8), so the per-address
// counts of one test do not touch another's; the total cap is shared, so each test waits for its
// connections to be gone before it ends.
const AUTH_TIMEOUT_MS = 1_000;
const limits = {
  WS_AUTH_TIMEOUT_MS: String(AUTH_TIMEOUT_MS),
  WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '3',
  WS_MAX_UNAUTHENTICATED: '5',
  WS_MAX_SOCKETS_PER_USER: '2',
};

let service: TestService;
beforeAll(async () => {
  service = await startService(limits);
});
afterAll(() => service.stop());

const health = async (of = service) => (await of.http.get('/healthz').expect(200)).body as { connections: Record<string, unknown> };
const openMany = (count: number, options: Parameters<typeof rawUpgrade>[1], url = service.wsUrl) =>
  Promise.all(Array.from({ length: count }, () => rawUpgrade(url, options)));
const allClosed = (connections: RawConnection[]) => Promise.all(connections.map((connection) => connection.closed));

describe('connections that do not authenticate', () => {
  it('are sent 4408 at the auth deadline and cut off after a short grace, without waiting for their close handshake', async () => {
    const silent = await openMany(3, { localAddress: '127.0.0.10' });
    expect(silent.map((connection) => connection.status)).toEqual([101, 101, 101]);
    const heldMs = await Promise.all(
      silent.map((connection) =>
        Promise.race([connection.closed, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5_000))]),
      ),
    );
    for (const held of heldMs) {
      expect(held).toBeGreaterThanOrEqual(AUTH_TIMEOUT_MS - 50);
      expect(held).toBeLessThan(AUTH_TIMEOUT_MS + 1_500);
    }
    expect(silent.map((connection) => closeCodeOf(connection.received()))).toEqual([4408, 4408, 4408]);
    silent.forEach((connection) => connection.destroy());
  });

  it('are capped per client address (429) and in total (503) before the handshake, and the counts are in /healthz', async () => {
    const before = (await health()).connections as { refused: { perAddress: number; total: number } };
    const first = await openMany(4, { localAddress: '127.0.0.11' });
    expect(first.map((connection) => connection.status).sort()).toEqual([101, 101, 101, 429]);
    const tooMany = first.find((connection) => connection.status === 429)!;
    expect(tooMany.headers['retry-after']).toEqual(expect.stringMatching(/^\d+$/));
    expect(JSON.parse(tooMany.body)).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.any(String), requestId: expect.any(String) },
    });

    const second = await openMany(3, { localAddress: '127.0.0.12' });
    expect(second.map((connection) => connection.status).sort()).toEqual([101, 101, 503]);
    const full = second.find((connection) => connection.status === 503)!;
    expect(JSON.parse(full.body).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    expect((await health()).connections).toEqual({
      unauthenticated: 5,
      authenticated: 0,
      refused: { perAddress: before.refused.perAddress + 1, total: before.refused.total + 1, perUser: 0 },
    });

    await allClosed([...first, ...second]);
    await until(async () => ((await health()).connections.unauthenticated === 0 ? true : undefined));
    const again = await rawUpgrade(service.wsUrl, { localAddress: '127.0.0.11' });
    expect(again.status).toBe(101);
    again.destroy();
    await again.closed;
  });

  it('stop counting against their address once authenticated', async () => {
    const clients = [];
    for (let i = 0; i < 5; i += 1) clients.push(await authedClient(service.wsUrl, mintToken().token, { localAddress: '127.0.0.13' }));
    const waiting = await openMany(3, { localAddress: '127.0.0.13' });
    expect(waiting.map((connection) => connection.status)).toEqual([101, 101, 101]);
    expect((await health()).connections).toMatchObject({ unauthenticated: 3, authenticated: 5 });
    waiting.forEach((connection) => connection.destroy());
    await Promise.all(clients.map((client) => client.close()));
    await allClosed(waiting);
  });
});

describe('authenticated sockets', () => {
  it("are capped per user: the next one is refused at auth and closed 4429, and the user's others carry on", async () => {
    const user = mintToken();
    const tabs = [await authedClient(service.wsUrl, user.token), await authedClient(service.wsUrl, user.token)];
    const extra = await openClient(service.wsUrl);
    extra.send({ type: 'auth', token: user.token });
    expect(await extra.next()).toEqual({ type: 'auth', status: 'error', message: expect.stringMatching(/at most 2/) });
    expect((await extra.closed).code).toBe(4429);
    tabs[0]!.send({ type: 'ping' });
    expect(await tabs[0]!.next()).toEqual({ type: 'pong' });
    expect((await health()).connections).toMatchObject({ authenticated: 2, refused: expect.objectContaining({ perUser: 1 }) });
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY says the peer is a proxy', async () => {
    const forwarded = await Promise.all(
      ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'].map((address) =>
        rawUpgrade(service.wsUrl, { localAddress: '127.0.0.14', headers: { 'X-Forwarded-For': address } }),
      ),
    );
    expect(forwarded.map((connection) => connection.status).sort()).toEqual([101, 101, 101, 429]);
    forwarded.forEach((connection) => connection.destroy());
    await allClosed(forwarded);
  });

  it('with TRUST_PROXY counts each forwarded client address on its own', async () => {
    const behindProxy = await startService({ ...limits, WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '1', TRUST_PROXY: 'loopback' });
    try {
      const open = (address: string) => rawUpgrade(behindProxy.wsUrl, { headers: { 'X-Forwarded-For': address } });
      const first = await open('203.0.113.1');
      const second = await open('203.0.113.2');
      const again = await open('203.0.113.1');
      expect([first.status, second.status, again.status]).toEqual([101, 101, 429]);
      expect((await health(behindProxy)).connections).toMatchObject({ unauthenticated: 2 });
      [first, second].forEach((connection) => connection.destroy());
    } finally {
      await behindProxy.stop();
    }
  });
});
