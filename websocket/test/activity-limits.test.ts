import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type request from 'supertest';
import { eventually } from '../../bank-core/test/support/eventually';
import { startFakeBankCore, transferEvent, type FakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, openClient, type TestClient } from './support/ws-client';
import { until } from './support/until';
import { startService, type TestService } from './support/ws-service';

const DAY_MS = 86_400_000;

let bank: FakeBankCore;
beforeAll(async () => {
  bank = await startFakeBankCore({ keepaliveMs: 100 });
});
afterAll(() => bank.close());

/** Every line of one activity log through the HTTP reader, following nextCursor. */
async function readAll(service: TestService, kind: 'interactions' | 'errors', token: string, limit = 200) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page += 1) {
    const res: request.Response = await service.http
      .get(`/api/websocket/${kind}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('pagination did not end');
}

/** readAll once it has `count` lines: an ack means a line is queued, and it reaches the file a moment later. */
const readWritten = (service: TestService, kind: 'interactions' | 'errors', token: string, count: number, limit = 200) =>
  until(async () => {
    const items = await readAll(service, kind, token, limit);
    return items.length >= count ? items : undefined;
  });

/** Sends `count` interactions on `client` without waiting, then collects one answer (ack or error) for each. */
async function sendInteractions(client: TestClient, count: number, data: unknown, prefix: string) {
  for (let i = 0; i < count; i += 1) client.send({ type: 'event.interaction', data, correlationId: `${prefix}-${i}` });
  const answers = [];
  for (let i = 0; i < count; i += 1) answers.push(await client.next((m) => m.type === 'ack' || m.type === 'error', 5_000));
  return answers;
}

const health = async (service: TestService) => (await service.http.get('/healthz').expect(200)).body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("one user's volume", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({
      // Small files: before per-user quotas, a flood rotated everyone's lines out of the files kept.
      WS_ACTIVITY_MAX_BYTES: '16384',
      WS_ACTIVITY_KEEP_FILES: '2',
      WS_ACTIVITY_QUOTA_BYTES_PER_MINUTE: '40000',
      WS_ACTIVITY_QUOTA_BYTES_PER_DAY: '1000000',
    });
  });
  afterAll(() => service.stop());

  it("cannot push another user's lines out: past its quota, across all its sockets, it is refused with RATE_LIMITED and nothing is written", async () => {
    const alice = mintToken();
    const aliceTab = await authedClient(service.wsUrl, alice.token);
    expect((await sendInteractions(aliceTab, 3, { screen: 'home' }, 'alice')).map((m) => m.type)).toEqual(['ack', 'ack', 'ack']);

    const mallory = mintToken();
    const tabs = await Promise.all(Array.from({ length: 4 }, () => authedClient(service.wsUrl, mallory.token)));
    // 16 KB frames, 10 per socket: inside the per-socket rate limit (a burst of 40).
    const answers = (await Promise.all(tabs.map((tab, t) => sendInteractions(tab, 10, 'x'.repeat(15_000), `mallory-${t}`)))).flat();
    const acks = answers.filter((m) => m.type === 'ack');
    const refused = answers.filter((m) => m.type === 'error');
    expect(acks.length).toBe(2); // 40,000 bytes a minute: two lines of about 15.2 KB
    expect(refused).toHaveLength(38);
    expect(refused[0]).toEqual({ type: 'error', code: 'RATE_LIMITED', message: expect.any(String), correlationId: expect.any(String) });

    const aliceLines = await readWritten(service, 'interactions', alice.token, 3);
    expect(aliceLines.map((line) => line.correlationId)).toEqual(['alice-0', 'alice-1', 'alice-2']);
    expect(await readWritten(service, 'interactions', mallory.token, 2)).toHaveLength(2);
    expect((await health(service)).activity.refused).toMatchObject({ quota: 38, budget: 0 });
    await Promise.all([aliceTab, ...tabs].map((tab) => tab.close()));
  });

  it('is split into rotated files by size, and every line stays readable in order however many files that makes', async () => {
    const user = mintToken();
    const tab = await authedClient(service.wsUrl, user.token);
    // 36 lines of about 900 bytes: 32 KB of this user's quota, two rotations' worth on their own.
    for (let i = 0; i < 36; i += 1) {
      tab.send({ type: 'event.interaction', data: 'y'.repeat(700), correlationId: `spread-${i}` });
      expect(await tab.next()).toMatchObject({ type: 'ack' });
    }
    const lines = await readWritten(service, 'interactions', user.token, 36, 7);
    expect(lines.map((line) => line.correlationId)).toEqual(Array.from({ length: 36 }, (_, i) => `spread-${i}`));
    const rotated = readdirSync(service.config.dataDir).filter((name) => /^interactions\..+\.txt$/.test(name));
    // More than WS_ACTIVITY_KEEP_FILES (2) of the count-based rotation this replaced: nothing was deleted for volume.
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    await tab.close();
  });
});

describe('user indexes', () => {
  it('a customer still reads every line of a file the service rotated after a restart (a file it has no index of)', async () => {
    const first = await startService({ WS_ACTIVITY_MAX_BYTES: '4096' });
    const [early, late] = [mintToken(), mintToken()];
    const earlyTab = await authedClient(first.wsUrl, early.token);
    expect((await sendInteractions(earlyTab, 3, 'before the restart', 'early')).every((m) => m.type === 'ack')).toBe(true);
    await earlyTab.close();
    await first.stop();

    const second = await startService({ WS_ACTIVITY_MAX_BYTES: '4096', WS_DATA_DIR: first.config.dataDir });
    try {
      const lateTab = await authedClient(second.wsUrl, late.token);
      // About 20 KB: the live file from before the restart is rotated, then a few indexed ones after it.
      for (let i = 0; i < 20; i += 1) {
        lateTab.send({ type: 'event.interaction', data: 'w'.repeat(900), correlationId: `late-${i}` });
        expect(await lateTab.next()).toMatchObject({ type: 'ack' });
      }
      await lateTab.close();
      await readWritten(second, 'interactions', late.token, 20);
      const names = readdirSync(second.config.dataDir);
      expect(names.filter((name) => /^interactions\..+\.users$/.test(name)).length).toBeGreaterThan(0);
      expect((await readAll(second, 'interactions', early.token, 2)).map((line) => line.correlationId)).toEqual([
        'early-0',
        'early-1',
        'early-2',
      ]);
      expect(await readWritten(second, 'interactions', late.token, 20, 3)).toHaveLength(20);
    } finally {
      await second.stop();
    }
  });
});

describe('retention', () => {
  /** `interactions.txt` in `dir` rotated at `at`, with one line of `userId` a minute before. */
  const plantRotated = (dir: string, at: Date, userId: string, correlationId: string) => {
    const stamp = at.toISOString().replace(/:/g, '-');
    const line = {
      time: new Date(at.getTime() - 60_000).toISOString(),
      userId,
      connectionId: null,
      correlationId,
      type: 'event.interaction',
      data: {},
    };
    writeFileSync(path.join(dir, `interactions.${stamp}.txt`), `${JSON.stringify(line)}\n`);
  };

  it('deletes rotated files older than WS_ACTIVITY_RETENTION_DAYS at start-up, and keeps and serves younger ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'websocket-retention-'));
    const user = mintToken();
    plantRotated(dir, new Date(Date.now() - 40 * DAY_MS), user.userId, 'forty-days');
    plantRotated(dir, new Date(Date.now() - 10 * DAY_MS), user.userId, 'ten-days');
    const service = await startService({ WS_DATA_DIR: dir, WS_ACTIVITY_RETENTION_DAYS: '30' });
    try {
      const lines = await readAll(service, 'interactions', user.token);
      expect(lines.map((line) => line.correlationId)).toEqual(['ten-days']);
      expect(readdirSync(dir).filter((name) => name.startsWith('interactions.'))).toHaveLength(1);
    } finally {
      await service.stop();
    }
  });

  it('adopts the files of the old naming (interactions.txt.1 newest ... .N oldest) in their order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'websocket-legacy-'));
    mkdirSync(dir, { recursive: true });
    const user = mintToken();
    const line = (correlationId: string) =>
      `${JSON.stringify({ time: new Date().toISOString(), userId: user.userId, connectionId: null, correlationId, type: 'event.interaction', data: {} })}\n`;
    writeFileSync(path.join(dir, 'interactions.txt.2'), line('oldest'));
    writeFileSync(path.join(dir, 'interactions.txt.1'), line('older'));
    writeFileSync(path.join(dir, 'interactions.txt'), line('live'));
    const service = await startService({ WS_DATA_DIR: dir });
    try {
      const lines = await readAll(service, 'interactions', user.token, 1);
      expect(lines.map((entry) => entry.correlationId)).toEqual(['oldest', 'older', 'live']);
    } finally {
      await service.stop();
    }
  });
});

describe('disk budget', () => {
  it('past WS_ACTIVITY_MAX_TOTAL_BYTES refuses client lines with SERVICE_UNAVAILABLE, deletes nothing, still writes account events, and says so', async () => {
    const service = await startService(
      {
        BANK_CORE_URL: bank.url,
        WS_FEED_ENABLED: 'true',
        WS_FEED_RETRY_MAX_MS: '200',
        WS_ACTIVITY_MAX_BYTES: '4096',
        WS_ACTIVITY_MAX_TOTAL_BYTES: '16384',
      },
      { fileLogs: true },
    );
    try {
      await eventually(() => (service.running.feed?.status().connected ? true : undefined));
      const user = mintToken();
      const tab = await authedClient(service.wsUrl, user.token);
      const answers = [];
      for (let i = 0; i < 30; i += 1) {
        tab.send({ type: 'event.interaction', data: 'z'.repeat(800), correlationId: `fill-${i}` });
        answers.push(await tab.next());
      }
      const written = answers.filter((m) => m.type === 'ack').map((m) => m.correlationId as string);
      expect(written.length).toBeGreaterThan(10);
      expect(written).toEqual(Array.from({ length: written.length }, (_, i) => `fill-${i}`));
      expect(answers.slice(written.length).every((m) => m.type === 'error' && m.code === 'SERVICE_UNAVAILABLE')).toBe(true);

      const event = transferEvent({ userId: user.userId }, { userId: 'someone' });
      bank.publish(event);
      await tab.next((m) => m.type === 'account.transaction', 2_000);
      const lines = await until(async () => {
        const all = await readAll(service, 'interactions', user.token);
        return all.some((line) => line.type === 'account.transaction') ? all : undefined;
      });
      // Nothing was deleted to make room: every line written before the budget was reached is still there.
      expect(lines.filter((line) => line.type === 'event.interaction').map((line) => line.correlationId)).toEqual(written);

      const status = await health(service);
      expect(status.activity).toMatchObject({
        budgetBytes: 16_384,
        budgetExceeded: true,
        refused: { quota: 0, budget: 30 - written.length },
      });
      const warning = await eventually(() =>
        readFileSync(path.join(service.config.logDir, 'info.log'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((text) => JSON.parse(text) as Record<string, unknown>)
          .find((entry) => entry.level === 'warn' && String(entry.message).includes('disk budget')),
      );
      expect(warning).toMatchObject({ budgetBytes: 16_384 });
      await tab.close();
    } finally {
      await service.stop();
    }
  });
});

describe('connections that never authenticate', () => {
  it('write at most their address quota of lines, however many times they fail', async () => {
    const service = await startService({ WS_ACTIVITY_QUOTA_BYTES_PER_MINUTE: '2000' });
    try {
      for (let i = 0; i < 30; i += 1) {
        const client = await openClient(service.wsUrl);
        client.send({ type: 'auth', token: `not-a-token-${i}` });
        await client.closed;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const failures = service.lines('errors').filter((line) => line.type === 'auth.failed');
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.map((line) => JSON.stringify(line).length + 1).reduce((sum, bytes) => sum + bytes, 0)).toBeLessThanOrEqual(2_000);
    } finally {
      await service.stop();
    }
  });
});
