import type request from 'supertest';
import { readdirSync } from 'node:fs';
import { startFakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

let service: TestService;
let bankCore: Awaited<ReturnType<typeof startFakeBankCore>>;
const alice = mintToken();
const bob = mintToken();
const admin = mintToken({ role: 'admin' });

/** Sends `count` interactions (and one error) as `user`, waiting for each ack. */
async function interact(user: ReturnType<typeof mintToken>, count: number, prefix: string) {
  const client = await authedClient(service.wsUrl, user.token);
  for (let i = 0; i < count; i += 1) {
    client.send({ type: 'event.interaction', data: { n: i }, correlationId: `${prefix}-${i}` });
    await client.next((message) => message.type === 'ack');
  }
  client.send({ type: 'event.error', data: { message: `${prefix} failed` }, correlationId: `${prefix}-error` });
  await client.next((message) => message.type === 'ack');
  await client.close();
}

beforeAll(async () => {
  // A small rotation size, so the lines below span several rotated files.
  bankCore = await startFakeBankCore();
  bankCore.setAdmin(admin.userId, true);
  service = await startService({ BANK_CORE_URL: bankCore.url, WS_ACTIVITY_MAX_BYTES: '1024' });
  await interact(alice, 12, 'alice');
  await interact(bob, 5, 'bob');
  // An ack means the line is queued; wait until every line is on disk before reading pages.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const res = await get('/api/websocket/interactions?limit=200', admin.token);
    if (res.body.items.length === 17 && service.lines('errors').length === 2) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('activity lines were not written');
});
afterAll(async () => {
  await service.stop();
  await bankCore.close();
});

const get = (path: string, token?: string) => {
  const req = service.http.get(path);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

/** Follows nextCursor to the end, collecting every item. */
async function readAll(path: string, token: string, limit: number) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const res: request.Response = await get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token).expect(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

describe('GET /api/websocket/interactions and /errors', () => {
  it.each(['/api/websocket/interactions', '/api/websocket/errors'])(
    '%s refuses a request without a valid token with 401 in the common error shape',
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), requestId: expect.any(String) } });
      expect((await get(path, 'garbage')).status).toBe(401);
    },
  );

  it("lets staff narrow to one user's lines with userId, and refuses a customer another user's", async () => {
    const bobs = await get(`/api/websocket/interactions?userId=${bob.userId}`, admin.token).expect(200);
    expect(bobs.body.items.map((item: { correlationId: string }) => item.correlationId)).toEqual([
      'bob-0',
      'bob-1',
      'bob-2',
      'bob-3',
      'bob-4',
    ]);
    const errors = await get(`/api/websocket/errors?userId=${alice.userId}`, admin.token).expect(200);
    expect(errors.body.items.map((item: { correlationId: string }) => item.correlationId)).toEqual(['alice-error']);
    expect((await get(`/api/websocket/interactions?userId=${bob.userId}`, bob.token)).status).toBe(200);
    const refused = await get(`/api/websocket/interactions?userId=${bob.userId}`, alice.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect((await get('/api/websocket/errors?userId=nope', admin.token)).status).toBe(400);
  });

  it('shows a customer only their own lines, oldest first', async () => {
    const res = await get('/api/websocket/interactions', bob.token).expect(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((item: { correlationId: string }) => item.correlationId)).toEqual([
      'bob-0',
      'bob-1',
      'bob-2',
      'bob-3',
      'bob-4',
    ]);
    expect(res.body.items.every((item: { userId: string }) => item.userId === bob.userId)).toBe(true);
    const errors = await get('/api/websocket/errors', bob.token).expect(200);
    expect(errors.body.items).toEqual([expect.objectContaining({ userId: bob.userId, type: 'event.error', correlationId: 'bob-error' })]);
  });

  it("shows an admin everyone's lines", async () => {
    const res = await get('/api/websocket/interactions?limit=200', admin.token).expect(200);
    const owners = new Set(res.body.items.map((item: { userId: string }) => item.userId));
    expect(owners).toEqual(new Set([alice.userId, bob.userId]));
    expect(res.body.items).toHaveLength(17);
  });

  it('pages through every line across rotated files without gaps or repeats', async () => {
    expect(readdirSync(service.config.dataDir).filter((name) => /^interactions\..+\.txt$/.test(name)).length).toBeGreaterThanOrEqual(2);
    const items = await readAll('/api/websocket/interactions', alice.token, 5);
    expect(items.map((item) => item.correlationId)).toEqual(Array.from({ length: 12 }, (_, i) => `alice-${i}`));
    const all = await readAll('/api/websocket/interactions', admin.token, 4);
    expect(all).toHaveLength(17);
  });

  it('returns text/plain JSON lines with format=text and the next cursor in a header', async () => {
    const res = await get('/api/websocket/interactions?format=text&limit=3', alice.token).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.correlationId)).toEqual(['alice-0', 'alice-1', 'alice-2']);
    expect(res.headers['x-next-cursor']).toEqual(expect.any(String));
    const next = await get(`/api/websocket/interactions?limit=3&cursor=${res.headers['x-next-cursor']}`, alice.token).expect(200);
    expect(next.body.items[0].correlationId).toBe('alice-3');
  });

  it.each([['limit=0'], ['limit=201'], ['limit=abc'], ['cursor=%%%'], ['cursor=bm90LWEtY3Vyc29y'], ['format=xml'], ['unknown=1']])(
    'refuses %s with a 400',
    async (query) => {
      const res = await get(`/api/websocket/interactions?${query}`, alice.token);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', requestId: expect.any(String) });
    },
  );
});

describe('HTTP basics', () => {
  it('answers an unknown route with a JSON 404 in the common error shape', async () => {
    const res = await service.http.get('/api/websocket/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for GET /api/websocket/nothing-here', requestId: res.headers['x-request-id'] },
    });
  });

  it('answers with a strict Content-Security-Policy (everything from this one origin) and a health check', async () => {
    const health = await service.http.get('/healthz').expect(200);
    const csp = health.headers['content-security-policy'];
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline'?;?\s*script/);
    expect(health.body).toMatchObject({ status: 'ok', sockets: expect.any(Number) });
  });
});
