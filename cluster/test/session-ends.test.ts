import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createClient } from 'redis';
import { call, openSocket, signUp, type ClusterUser, type OpenSocket } from '../support/client';
import { ENGINES } from '../support/engines';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTopology, type Topology } from '../support/topology';

jest.setTimeout(120_000);

// The bound: every instance refuses an ended session within this long.
const BOUND_MS = 100;

/** Asks `baseUrl` with `token` until it answers 401; when that was (performance.now()), or undefined after 1 s. */
async function firstRefusal(baseUrl: string, token: string): Promise<number | undefined> {
  const deadline = performance.now() + 1_000;
  while (performance.now() < deadline) {
    const answer = await call(baseUrl, '/api/users/me', { token });
    if (answer.status === 401) return performance.now();
  }
  return undefined;
}

/** The socket's close, or code 0 if it is still open after `ms` (without Redis it would close at the 30 s sweep). */
const closedSoon = (socket: OpenSocket, ms = 1_000) =>
  Promise.race([
    socket.closed,
    new Promise<{ code: number; at: number }>((resolve) => setTimeout(() => resolve({ code: 0, at: Infinity }), ms)),
  ]);

describe('with REDIS_URL, an ended session is refused by every instance of both services', () => {
  let topology: Topology;
  let coreA: string;
  let coreB: string;
  let wsB: string;
  beforeAll(async () => {
    // websocket-2 follows bank-core-2: nothing of the logout made on bank-core-1 reaches it but Redis.
    topology = await startTopology({ bankCores: 2, websockets: 2, redisUrl: ENGINES.redisUrl });
    coreA = topology.bankCores[0]!.url;
    coreB = topology.bankCores[1]!.url;
    wsB = `ws://127.0.0.1:${topology.websockets[1]!.port}/ws`;
  });
  afterAll(() => topology?.stop());

  /** A user signed in, whose session bank-core B and websocket B have both seen (and cached) as live. */
  async function signedInEverywhere(): Promise<{ user: ClusterUser; socket: OpenSocket }> {
    const user = await signUp(topology.url!);
    expect((await call(coreB, '/api/users/me', { token: user.token })).status).toBe(200);
    return { user, socket: await openSocket(wsB, user.token) };
  }

  test('logout on bank-core A: bank-core B refuses the access token, and the socket on websocket B closes, within 100 ms', async () => {
    const { user, socket } = await signedInEverywhere();

    const logout = await call(coreA, '/api/users/logout', { body: { refreshToken: user.refreshToken } });
    const loggedOut = performance.now();
    expect(logout.status).toBe(204);

    const refused = await firstRefusal(coreB, user.token);
    const closed = await closedSoon(socket);
    expect(closed.code).toBe(4401);
    expect(socket.frames.at(-1)).toMatchObject({ type: 'session.expired', reason: 'revoked' });
    expect(refused).toBeDefined();
    // The close may even arrive before the logout's answer: bank-core publishes before answering.
    expect(Math.max(0, closed.at - loggedOut)).toBeLessThan(BOUND_MS);
    expect(refused! - loggedOut).toBeLessThan(BOUND_MS);
  });

  test('a password change on bank-core A closes every socket of the user on websocket B at once', async () => {
    const { user, socket } = await signedInEverywhere();
    const second = await openSocket(wsB, user.token);

    const changed = await call(coreA, `/api/users/${user.id}`, {
      method: 'PUT',
      token: user.token,
      body: { password: 'another horse battery', currentPassword: user.password },
    });
    const at = performance.now();
    expect(changed.status).toBe(200);

    const closes = await Promise.all([closedSoon(socket), closedSoon(second)]);
    expect(closes.map((close) => close.code)).toEqual([4401, 4401]);
    for (const close of closes) expect(Math.max(0, close.at - at)).toBeLessThan(BOUND_MS);
  });

  test('make-admin: a socket on websocket B may use the staff frames within a second, without signing in again', async () => {
    const { user, socket } = await signedInEverywhere();
    const staffQueue = async () => {
      const before = socket.frames.length;
      socket.socket.send(JSON.stringify({ type: 'chat.queue' }));
      while (socket.frames.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
      return socket.frames.at(-1)!;
    };
    expect(await staffQueue()).toMatchObject({ type: 'error', code: 'FORBIDDEN' });

    const core = topology.bankCores[0]!;
    execFileSync(process.execPath, [path.join(__dirname, '../../bank-core/dist/scripts/make-admin.js'), user.email], {
      env: { PATH: process.env.PATH, ...core.env },
      stdio: 'ignore',
    });
    const granted = performance.now();
    let answer = await staffQueue();
    while (answer.type !== 'chat.queue' && performance.now() - granted < 1_000) answer = await staffQueue();
    expect(answer).toMatchObject({ type: 'chat.queue' });
    socket.socket.close();
  });

  test('a message on the channel that is not a valid session end closes nothing', async () => {
    const { user, socket } = await signedInEverywhere();
    const publisher = createClient({ url: ENGINES.redisUrl });
    await publisher.connect();
    try {
      for (const text of ['not json', JSON.stringify({ v: 1, userId: user.id, reason: 'logout' }).replace('"v":1', '"v":2')]) {
        await publisher.publish('bank:session-ends', text);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(socket.socket.readyState).toBe(socket.socket.OPEN);
      expect((await call(coreB, '/api/users/me', { token: user.token })).status).toBe(200);
    } finally {
      await publisher.close();
      socket.socket.close();
    }
  });
});

describe('when Redis was away, a websocket instance catches up once subscribed again', () => {
  let redis: RedisServer;
  let topology: Topology;
  beforeAll(async () => {
    redis = await startRedisServer();
    // The periodic re-check (30 s by default) stays far beyond this test's bound.
    topology = await startTopology({ bankCores: 1, websockets: 1, redisUrl: redis.url, nginx: false });
  });
  afterAll(async () => {
    await topology?.stop();
    await redis?.stop();
  });

  test('a session ended while Redis was down has its sockets closed within seconds of Redis coming back', async () => {
    const core = topology.bankCores[0]!.url;
    const user = await signUp(core);
    const socket = await openSocket(`ws://127.0.0.1:${topology.websockets[0]!.port}/ws`, user.token);

    await redis.stop();
    expect((await call(core, '/api/users/logout', { body: { refreshToken: user.refreshToken } })).status).toBe(204);
    await redis.start();
    const back = performance.now();

    const closed = await closedSoon(socket, 6_000);
    expect(closed.code).toBe(4401);
    // Reconnection backs off to 2 s at most; then every socket's session is asked again.
    expect(closed.at - back).toBeLessThan(5_000);

    // And the subscription is back in place: the next logout closes its socket at once.
    const next = await signUp(core);
    const nextSocket = await openSocket(`ws://127.0.0.1:${topology.websockets[0]!.port}/ws`, next.token);
    expect((await call(core, '/api/users/logout', { body: { refreshToken: next.refreshToken } })).status).toBe(204);
    const loggedOut = performance.now();
    const nextClosed = await closedSoon(nextSocket);
    expect(nextClosed.code).toBe(4401);
    expect(Math.max(0, nextClosed.at - loggedOut)).toBeLessThan(BOUND_MS);
  });
});
