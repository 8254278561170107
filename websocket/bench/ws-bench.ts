/**
 * Websocket benchmark (`npm run bench:ws`): how long a committed transfer takes to reach the
 * sockets of both its parties, with thousands of sockets open, and what that costs the service.
 *
 * What runs
 *   - bank-core (server.ts `start()` in a child process; embedded PGlite in a temporary DATA_DIR, or
 *     with WS_BENCH_DATABASE_URL=postgres://... a fresh database on that server, dropped at the end)
 *     and the websocket service (its own process, its feed following bank-core's /internal/events), on loopback.
 *   - WS_BENCH_USERS users (default 1,000) are made through bank-core's API (signup, login, deposit);
 *     WS_BENCH_SOCKETS sockets (default 5,000) are opened and authenticated, spread round-robin over
 *     the users (so each user has several tabs open).
 *   - Transfers between random users are sent open-loop at WS_BENCH_RATE per second (default 500) for
 *     WS_BENCH_SECONDS (default 10), at most 256 in flight (a transfer due while 256 are waiting is not
 *     sent, and counted as "skipped").
 *
 * How to read the figures
 *   - commit -> socket, from createdAt: the client's clock when a socket got the leg, minus the event's
 *     createdAt (bank-core's timestamp of the transaction; same machine, same clock). Includes the
 *     commit itself, the feed's pick-up, the websocket service's fan-out and the client's event loop.
 *   - 201 -> socket: the same arrival minus the moment the sender's HTTP 201 was read. It is negative
 *     when the push beats the response to the client, which is common.
 *   - commit -> feed and feed -> socket split the first figure: the load generator also reads bank-core's
 *     feed itself, so "feed" is when this process saw the event on /internal/events. commit -> feed is
 *     bank-core's part (its feed holds an event back while older transactions are still running);
 *     feed -> socket is the websocket service's part (its own read of the feed, dedupe, fan-out, logging).
 *   - delivered / expected: every socket of both parties should get each transfer exactly once.
 *   - Memory: the websocket process's RSS and V8 heap, before the sockets opened and with them open
 *     and idle (both after a forced GC), and the largest RSS sampled each second during the load.
 *   - The load generator (all the client sockets), bank-core and the websocket service share one
 *     machine; on few cores every figure also pays for the others' CPU.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createServiceTokens, LEDGER_EVENT_NAME } from '@bank/common';
import { createJsonClient } from '../../bank-core/bench/bench-http';
import { mapLimit, percentile } from '../../bank-core/bench/bench-load';
import { createBenchDatabase, startBenchServer, type BenchDatabase } from '../../bank-core/bench/bench-process';
import { seedAccounts, type BenchAccount } from '../../bank-core/bench/bench-seed';
import { createSseParser } from '../src/utils/sse-parser';
import type { WsBenchCommand, WsBenchMessage } from './bench-ws-server';

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const SIZES = {
  sockets: envInt('WS_BENCH_SOCKETS', 5_000),
  users: envInt('WS_BENCH_USERS', 1_000),
  rate: envInt('WS_BENCH_RATE', 500),
  seconds: envInt('WS_BENCH_SECONDS', 10),
};
const MAX_IN_FLIGHT = 256;
const DRAIN_MS = 5_000;
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

interface Arrival {
  transactionId: string;
  socket: number;
  perfAt: number;
  wallAt: number;
  createdAt: string;
}

function startWsService(env: Record<string, string>) {
  const child = fork(path.join(__dirname, 'bench-ws-server.ts'), [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  const ask = <T extends WsBenchMessage['type']>(command: WsBenchCommand, answer: T) =>
    new Promise<Extract<WsBenchMessage, { type: T }>>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`websocket bench server exited with ${code}`));
      child.once('exit', exited);
      const onMessage = (message: WsBenchMessage) => {
        if (message.type !== answer) return;
        child.off('message', onMessage);
        child.off('exit', exited);
        resolve(message as Extract<WsBenchMessage, { type: T }>);
      };
      child.on('message', onMessage);
      child.send(command);
    });
  return new Promise<{
    wsUrl: string;
    stats: (gc?: boolean) => Promise<Extract<WsBenchMessage, { type: 'stats' }>>;
    stop: () => Promise<void>;
  }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`websocket bench server exited with ${code} before listening`)));
    child.once('message', (message: WsBenchMessage) => {
      if (message.type !== 'ready') return reject(new Error(`unexpected ${message.type}`));
      resolve({
        wsUrl: message.wsUrl,
        stats: (gc = false) => ask({ type: 'stats', gc }, 'stats'),
        stop: async () => {
          await ask({ type: 'stop' }, 'stopped');
          await new Promise<void>((done) => (child.exitCode === null ? child.once('exit', () => done()) : done()));
        },
      });
    });
  });
}

/** Opens and authenticates one socket for `account`'s owner; every account.transaction it gets becomes an Arrival. */
function openSocket(wsUrl: string, account: BenchAccount, index: number, arrivals: Arrival[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl);
    const timer = setTimeout(() => reject(new Error('auth timed out')), 30_000);
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: account.token })));
    socket.on('message', (data) => {
      const perfAt = performance.now();
      const message = JSON.parse((data as Buffer).toString()) as Record<string, string>;
      if (message.type === 'account.transaction') {
        arrivals.push({ transactionId: message.transactionId!, socket: index, perfAt, wallAt: Date.now(), createdAt: message.createdAt! });
      } else if (message.type === 'auth') {
        clearTimeout(timer);
        if (message.status === 'success') resolve(socket);
        else reject(new Error(`auth refused: ${message.message}`));
      }
    });
  });
}

/** Reads bank-core's feed in this process and notes when each transaction showed up on it. */
async function tapFeed(coreUrl: string, seen: Map<string, { at: number; createdAt: string }>): Promise<AbortController> {
  const controller = new AbortController();
  const token = createServiceTokens({ secret: SECRET, issuer: 'bank-core', audience: 'bank-clients' }).sign('ws-bench');
  const response = await fetch(`${coreUrl}/internal/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`feed answered ${response.status}`);
  const reader = response.body.getReader();
  const parser = createSseParser();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const at = performance.now();
      for (const event of parser.push(decoder.decode(value, { stream: true }))) {
        if (event.event !== LEDGER_EVENT_NAME) continue;
        const { transactionId, createdAt } = JSON.parse(event.data) as { transactionId: string; createdAt: string };
        seen.set(transactionId, { at, createdAt });
      }
    }
  })().catch(() => undefined);
  return controller;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ws-bench-'));
  const loadAtStart = os.loadavg()[0] ?? 0;
  const serverUrl = process.env.WS_BENCH_DATABASE_URL;
  const database: BenchDatabase | undefined = serverUrl ? await createBenchDatabase(serverUrl) : undefined;
  const core = await startBenchServer({
    ...(database ? { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '32' } : {}),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    APP_PORT_1: '0',
    DATA_DIR: path.join(dataDir, 'core'),
    JWT_SECRET: SECRET,
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
    LOOKUP_RATE_LIMIT_PER_MINUTE: '10000000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'error',
    LOG_CONSOLE: 'false',
  });
  const ws = await startWsService({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    APP_PORT_2: '0',
    DATA_DIR: dataDir,
    WS_DATA_DIR: path.join(dataDir, 'websocket'),
    JWT_SECRET: SECRET,
    BANK_CORE_URL: core.url,
    // Every socket comes from this one address, 100 connecting at once.
    WS_MAX_UNAUTHENTICATED_PER_ADDRESS: '1000',
    LOG_LEVEL: 'warn',
    LOG_CONSOLE: 'true',
  });
  const client = createJsonClient(core.url, 64);
  const sockets: WebSocket[] = [];
  try {
    console.log(`bank-core ${core.url} (${core.driver}); websocket ${ws.wsUrl}`);
    const seedStarted = performance.now();
    const accounts = await seedAccounts(client, { users: SIZES.users, accountsPerUser: 1, openingBalance: 1_000_000_000, clients: 32 });
    console.log(`seeded ${accounts.length} users in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    const before = await ws.stats(true);
    const arrivals: Arrival[] = [];
    const socketsOf = new Map<string, number>();
    const openStarted = performance.now();
    sockets.push(
      ...(await mapLimit(
        Array.from({ length: SIZES.sockets }, (_, i) => accounts[i % accounts.length]!),
        100,
        (account, index) => {
          socketsOf.set(account.userId, (socketsOf.get(account.userId) ?? 0) + 1);
          return openSocket(ws.wsUrl, account, index, arrivals);
        },
      )),
    );
    console.log(`opened and authenticated ${sockets.length} sockets in ${((performance.now() - openStarted) / 1000).toFixed(1)} s`);
    arrivals.length = 0;
    const idle = await ws.stats(true);
    const onFeed = new Map<string, { at: number; createdAt: string }>();
    const tap = await tapFeed(core.url, onFeed);

    // Open loop: every 10 ms, send what the rate owes since the start (so timer drift does not lower it),
    // unless MAX_IN_FLIGHT are still waiting.
    const committed = new Map<string, { ackAt: number; expected: number }>();
    let inFlight = 0;
    let skipped = 0;
    let failed = 0;
    let firstError: string | undefined;
    let peak = before;
    const sampler = setInterval(
      () =>
        void ws.stats().then((stats) => {
          if (stats.rss > peak.rss) peak = stats;
        }),
      1_000,
    );
    const loadStarted = performance.now();
    let issued = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (performance.now() - loadStarted >= SIZES.seconds * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        const due = Math.floor(((performance.now() - loadStarted) / 1000) * SIZES.rate);
        for (; issued < due; issued += 1) {
          if (inFlight >= MAX_IN_FLIGHT) {
            skipped += 1;
            continue;
          }
          const from = accounts[Math.floor(Math.random() * accounts.length)]!;
          let to = accounts[Math.floor(Math.random() * accounts.length)]!;
          if (to === from) to = accounts[(accounts.indexOf(from) + 1) % accounts.length]!;
          inFlight += 1;
          client
            .post<{ id: string }>(
              '/api/transactions/send',
              { fromAccountId: from.id, toAccountNumber: to.accountNumber, amount: 1 + Math.floor(Math.random() * 1_000) },
              201,
              from.token,
            )
            .then((body) =>
              committed.set(body.id, {
                ackAt: performance.now(),
                expected: (socketsOf.get(from.userId) ?? 0) + (socketsOf.get(to.userId) ?? 0),
              }),
            )
            .catch((error: unknown) => {
              failed += 1;
              firstError ??= (error as Error).message;
            })
            .finally(() => (inFlight -= 1));
        }
      }, 10);
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    for (let waited = 0; inFlight > 0 && waited < 30_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    const expected = [...committed.values()].reduce((sum, entry) => sum + entry.expected, 0);
    const drainStarted = performance.now();
    const countDelivered = () => arrivals.filter((arrival) => committed.has(arrival.transactionId)).length;
    while (countDelivered() < expected && performance.now() - drainStarted < DRAIN_MS)
      await new Promise((resolve) => setTimeout(resolve, 50));
    clearInterval(sampler);
    const after = await ws.stats();
    if (after.rss > peak.rss) peak = after;

    const relevant = arrivals.filter((arrival) => committed.has(arrival.transactionId));
    const fromCreated = relevant.map((arrival) => arrival.wallAt - Date.parse(arrival.createdAt)).sort((a, b) => a - b);
    tap.abort();
    const commitToFeed = [...committed.keys()]
      .flatMap((id) => {
        const seen = onFeed.get(id);
        return seen ? [performance.timeOrigin + seen.at - Date.parse(seen.createdAt)] : [];
      })
      .sort((a, b) => a - b);
    const feedToSocket = relevant
      .filter((arrival) => onFeed.has(arrival.transactionId))
      .map((arrival) => arrival.perfAt - onFeed.get(arrival.transactionId)!.at)
      .sort((a, b) => a - b);
    const fromAck = relevant.map((arrival) => arrival.perfAt - committed.get(arrival.transactionId)!.ackAt).sort((a, b) => a - b);
    const duplicates = relevant.length - new Set(relevant.map((arrival) => `${arrival.transactionId}/${arrival.socket}`)).size;

    const cpus = os.cpus();
    console.log('');
    console.log(
      `Websocket benchmark: ${sockets.length} sockets over ${accounts.length} users, target ${SIZES.rate} transfers/s for ${SIZES.seconds} s`,
    );
    console.log(
      `  transfers committed      ${committed.size} (${(committed.size / loadSeconds).toFixed(0)}/s achieved), failed ${failed}, skipped (256 in flight) ${skipped}${firstError ? `; first error: ${firstError}` : ''}`,
    );
    console.log(
      `  legs delivered           ${relevant.length - duplicates} of ${expected} expected socket deliveries${relevant.length - duplicates === expected ? ' (all)' : ''}, duplicates ${duplicates}`,
    );
    console.log(
      `  commit -> socket (from event createdAt)   p50 ${ms(percentile(fromCreated, 50))}   p99 ${ms(percentile(fromCreated, 99))}   max ${ms(fromCreated.at(-1) ?? NaN)}`,
    );
    console.log(
      `    of which commit -> feed (bank-core)      p50 ${ms(percentile(commitToFeed, 50))}   p99 ${ms(percentile(commitToFeed, 99))}`,
    );
    console.log(
      `    of which feed -> socket (websocket)      p50 ${ms(percentile(feedToSocket, 50))}   p99 ${ms(percentile(feedToSocket, 99))}`,
    );
    console.log(
      `  HTTP 201 -> socket (client clock)         p50 ${ms(percentile(fromAck, 50))}   p99 ${ms(percentile(fromAck, 99))}   (negative: the push beat the response)`,
    );
    console.log(
      `  websocket process memory  before sockets: RSS ${mb(before.rss)}, heap ${mb(before.heapUsed)}; ` +
        `${idle.sockets} idle sockets after GC: RSS ${mb(idle.rss)}, heap ${mb(idle.heapUsed)} (${((idle.heapUsed - before.heapUsed) / Math.max(1, idle.sockets) / 1024).toFixed(1)} KiB heap per socket); ` +
        `peak under load: RSS ${mb(peak.rss)}, heap ${mb(peak.heapUsed)}`,
    );
    console.log(
      `  machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, bank-core on ${core.driver}; load average at start ${loadAtStart.toFixed(2)}; load generator, bank-core and websocket share it`,
    );
    if (failed > 0 || relevant.length - duplicates < expected || duplicates > 0) process.exitCode = 1;
  } finally {
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.terminate();
          }),
      ),
    );
    client.close();
    await ws.stop();
    await core.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('websocket benchmark failed:', error);
  process.exit(1);
});
