import { call, randomClientAddress } from '../support/client';
import { ENGINES } from '../support/engines';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { startTopology, type Topology } from '../support/topology';

jest.setTimeout(120_000);

const LIMIT = 12;
const limited = { API_RATE_LIMIT_PER_MINUTE: String(LIMIT) };

// Each test counts under a client address of its own (bank-core trusts loopback's X-Forwarded-For), so
// runs and tests never share a counter in the machine's Redis.
const clientAddress = randomClientAddress;

/** Sends `count` requests one after another, to each base URL in turn, as `address`; the statuses in order. */
async function statuses(baseUrls: string[], count: number, address: string): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const answer = await call(baseUrls[i % baseUrls.length]!, '/api/users/me', { headers: { 'x-forwarded-for': address } });
    seen.push(answer.status);
  }
  return seen;
}

const allowed = (seen: number[]) => seen.filter((status) => status !== 429).length;

describe('with REDIS_URL, two bank-core instances count against one rate limit', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await startTopology({ bankCores: 2, websockets: 0, redisUrl: ENGINES.redisUrl, bankCoreEnv: limited });
  });
  afterAll(() => topology?.stop());

  test('requests alternating between the instances are refused from the same count as on one instance', async () => {
    const seen = await statuses(
      topology.bankCores.map((core) => core.url),
      2 * LIMIT,
      clientAddress(),
    );
    // Per-instance counters would let 2 x LIMIT through.
    expect(seen.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(seen.slice(LIMIT)).toEqual(Array(LIMIT).fill(429));
  });

  test('through nginx, whichever instance serves them, the client nginx saw is limited at the same count', async () => {
    expect(allowed(await statuses([topology.url!], 2 * LIMIT, clientAddress()))).toBe(LIMIT);
  });
});

describe('without REDIS_URL, each instance counts on its own (what the shared counters fix)', () => {
  let topology: Topology;
  beforeAll(async () => {
    topology = await startTopology({ bankCores: 2, websockets: 0, bankCoreEnv: limited });
  });
  afterAll(() => topology?.stop());

  test('two instances let twice the limit through', async () => {
    const urls = topology.bankCores.map((core) => core.url);
    expect(allowed(await statuses(urls, 3 * LIMIT, clientAddress()))).toBe(2 * LIMIT);
  });
});

describe('when Redis goes away, each instance counts on its own until it is back', () => {
  let redis: RedisServer;
  let topology: Topology;
  beforeAll(async () => {
    redis = await startRedisServer();
    topology = await startTopology({ bankCores: 2, websockets: 0, redisUrl: redis.url, bankCoreEnv: limited, nginx: false });
  });
  afterAll(async () => {
    await topology?.stop();
    await redis?.stop();
  });

  test('requests are still answered and limited per instance while Redis is down, and shared again once it is back', async () => {
    const urls = topology.bankCores.map((core) => core.url);
    await redis.stop();
    const started = performance.now();
    const duringOutage = await statuses(urls, 3 * LIMIT, clientAddress());
    expect(allowed(duringOutage)).toBe(2 * LIMIT);
    expect(new Set(duringOutage)).toEqual(new Set([401, 429]));
    // No request waited for Redis (each is a few ms on loopback).
    expect(performance.now() - started).toBeLessThan(3 * LIMIT * 100);

    await redis.start();
    // Reconnection backs off to 2 s at most, and each limiter retries Redis a second after a failure.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(allowed(await statuses(urls, 2 * LIMIT, clientAddress()))).toBe(LIMIT);
  });
});
