/**
 * Scale benchmark (`npm run bench:scale`): what a second bank-core instance behind nginx buys, and how long
 * a committed transfer takes to reach its owner's socket.
 *
 * What runs (cluster/support/topology.ts; everything compiled, NODE_ENV=production, on loopback)
 *   - Throughput: nginx in front of one, then two bank-core instances, each time on a fresh PostgreSQL
 *     database with Redis counting the rate limits (set out of reach) as in production. 100 customers are
 *     made and funded through nginx, then transfers between random pairs, closed loop: 32 keep-alive
 *     clients, 300 warm-up discarded, then 3,000 measured (BENCH_WARM_UP / BENCH_MEASURED shrink a run).
 *   - Delay from commit to socket: two bank-core and two websocket instances behind nginx; 20 recipients
 *     hold a socket each (through nginx, so on either websocket instance), and 400 transfers to them are
 *     sent at 40/s (open loop). Each delay is the socket's receipt time minus the transaction's createdAt
 *     (PostgreSQL's clock on this machine, set in the transaction just before it commits).
 *     It runs twice: through the built-in feed (each websocket instance follows its own bank-core's
 *     /internal/events), then through NATS JetStream (the machine's NATS, TEST_NATS_URL, on a stream of the
 *     run's own, deleted afterwards: one bank-core relays, each websocket instance consumes it).
 *
 * How to read it: on 2 cores (load generator, nginx, PostgreSQL, Redis and the instances sharing them) a
 * second instance mostly adds contention; the figures show that the topology works and what it costs.
 * With free cores, a second instance should approach twice the HTTP and JSON work per second until
 * PostgreSQL's commits (the ledger's row locks and WAL flushes) become the limit, as `npm run bench`
 * measures for one instance.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createJsonClient } from '../../bank-core/bench/bench-http';
import { measure, percentile, runOpenLoop } from '../../bank-core/bench/bench-load';
import { formatLine, machineLine, type Row } from '../../bank-core/bench/bench-report';
import { overApi, randomTransfer, seedAccounts, type BenchAccount } from '../../bank-core/bench/bench-seed';
import { ENGINES } from '../support/engines';
import { deleteStream } from '../support/nats-server';
import { startTopology, type TopologyOptions } from '../support/topology';

const SIZES = { clients: 32, warmUp: Number(process.env.BENCH_WARM_UP ?? 300), measured: Number(process.env.BENCH_MEASURED ?? 3_000) };
const SEED = { users: 100, accountsPerUser: 1, openingBalance: 1_000_000_000, clients: SIZES.clients };
const DELAY = { recipients: 20, ratePerSecond: 40, seconds: 10 };
const UNLIMITED = {
  AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
  LOOKUP_RATE_LIMIT_PER_MINUTE: '10000000',
  API_RATE_LIMIT_PER_MINUTE: '10000000',
  LOG_LEVEL: 'error',
};

/** Starts a topology, seeds it through nginx, runs `work`, and always stops it. */
async function withTopology<T>(options: TopologyOptions, work: (url: string, accounts: BenchAccount[]) => Promise<T>) {
  const topology = await startTopology({ redisUrl: ENGINES.redisUrl, bankCoreEnv: UNLIMITED, ...options });
  const client = createJsonClient(topology.url!, SIZES.clients);
  try {
    const accounts = await seedAccounts(client, SEED);
    return { result: await work(topology.url!, accounts), serverVersion: topology.database.serverVersion };
  } finally {
    client.close();
    await topology.stop();
  }
}

async function throughput(bankCores: number): Promise<Row> {
  const { result } = await withTopology({ bankCores, websockets: 0 }, async (url, accounts) => {
    const client = createJsonClient(url, SIZES.clients);
    try {
      return await measure(SIZES, overApi(client, randomTransfer(accounts), 'transfer'));
    } finally {
      client.close();
    }
  });
  const row: Row = {
    scenario: `transfers, random pairs, ${bankCores} bank-core behind nginx`,
    path: 'API through nginx',
    result,
    targets: [],
  };
  console.log(formatLine(row));
  return row;
}

/** Opens an authenticated socket through nginx and calls `onTransfer` with each incoming account.transaction. */
async function listen(wsUrl: string, token: string, onTransfer: (createdAt: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { type?: string; status?: string; amount?: number; createdAt?: string };
      if (frame.type === 'auth') return frame.status === 'success' ? resolve() : reject(new Error(JSON.stringify(frame)));
      if (frame.type === 'account.transaction' && (frame.amount ?? 0) > 0 && frame.createdAt) onTransfer(frame.createdAt);
    });
  });
  return socket;
}

async function commitToSocket(label: string, options: TopologyOptions): Promise<{ serverVersion: string }> {
  const { result, serverVersion } = await withTopology({ bankCores: 2, websockets: 2, ...options }, async (url, accounts) => {
    const recipients = accounts.slice(0, DELAY.recipients);
    const senders = accounts.slice(DELAY.recipients);
    const delays: number[] = [];
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
    const sockets = await Promise.all(
      recipients.map((recipient) => listen(wsUrl, recipient.token, (createdAt) => delays.push(Date.now() - Date.parse(createdAt)))),
    );
    const client = createJsonClient(url, SIZES.clients);
    let n = 0;
    const next = () => {
      n += 1;
      return { from: senders[n % senders.length]!, to: recipients[n % recipients.length]!, amount: 1 };
    };
    try {
      const sent = await runOpenLoop(DELAY.ratePerSecond, DELAY.seconds, overApi(client, next, 'transfer'));
      // Stragglers: the feed may still be delivering the last few.
      const deadline = Date.now() + 5_000;
      while (delays.length < sent.count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return { sent: sent.count, errors: sent.errors, delays: delays.sort((a, b) => a - b) };
    } finally {
      client.close();
      sockets.forEach((socket) => socket.close());
    }
  });
  const { sent, errors, delays } = result;
  console.log(
    `commit to socket, ${label}: p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms ` +
      `(${delays.length} of ${sent} transfers reached their socket${errors ? `; ${errors} transfers FAILED` : ''}; ` +
      `${DELAY.ratePerSecond}/s to ${DELAY.recipients} sockets over 2 websocket instances)`,
  );
  if (delays.length < sent || errors > 0) process.exitCode = 1;
  return { serverVersion };
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: path.resolve(__dirname, '../..'), stdio: 'inherit' });
  const loadAtStart = os.loadavg()[0] ?? 0;
  const one = await throughput(1);
  const two = await throughput(2);
  if (one.result.errors > 0 || two.result.errors > 0) process.exitCode = 1;
  console.log(`two instances / one: ${(two.result.perSecond / one.result.perSecond).toFixed(2)}`);
  const { serverVersion } = await commitToSocket('built-in feed (each websocket instance follows its own bank-core)', {});
  const stream = `BENCH_SCALE_${randomBytes(4).toString('hex')}`;
  try {
    await commitToSocket('NATS JetStream (one bank-core relays, each websocket instance consumes)', {
      natsUrl: ENGINES.natsUrl,
      bankCoreEnv: { ...UNLIMITED, NATS_STREAM: stream },
      websocketEnv: { NATS_STREAM: stream },
    });
  } finally {
    await deleteStream(ENGINES.natsUrl, stream);
  }
  console.log(`\n${machineLine(serverVersion, SIZES, loadAtStart)} nginx and Redis run here too.`);
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
