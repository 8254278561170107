import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from '../../bank-core/chaos/service-process';

const START_TIMEOUT_MS = 10_000;
// Debian's package puts it in /usr/sbin, which a non-root PATH may lack.
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

export interface NatsServer {
  /** nats://127.0.0.1:port, the same across restarts. */
  url: string;
  /** kill -9 (`hard`) or SIGTERM, then the same server again on the same port and store. */
  restart(options?: { hard?: boolean; downMs?: number }): Promise<void>;
  /** Stops it and deletes its store. */
  stop(): Promise<void>;
}

/** Resolves once something accepts TCP connections on the port. */
async function listening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen within ${START_TIMEOUT_MS} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A nats-server of the test's own (never the machine's shared one), with JetStream on a temp store, on a free
 * loopback port: a test can kill and restart it. Needs Debian's `nats-server` package.
 */
export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const store = await mkdtemp(path.join(os.tmpdir(), 'nats-test-'));
  let child: ChildProcess;
  let output = '';
  const run = async () => {
    output = '';
    child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-16_384));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await listening(port, child, () => output);
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  await run();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart({ hard = true, downMs = 500 } = {}) {
      await halt(hard ? 'SIGKILL' : 'SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await run();
    },
    async stop() {
      await halt('SIGTERM');
      await rm(store, { recursive: true, force: true });
    },
  };
}

export interface StoredEvent {
  seq: number;
  msgId: string;
  feedPosition: string;
  requestId: string | undefined;
  eventId: string;
}

/** Every message in `stream`, in stream order, with the link's headers (docs/asyncapi.yaml). */
export async function readStream(url: string, stream: string): Promise<StoredEvent[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(stream);
    const events: StoredEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq += 1) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (!message) continue;
      const header = (name: string) => (message.header.has(name) ? message.header.get(name) : undefined);
      events.push({
        seq,
        msgId: header('Nats-Msg-Id') ?? '',
        feedPosition: header('Bank-Feed-Position') ?? '',
        requestId: header('X-Request-Id'),
        eventId: message.json<{ eventId: string }>().eventId,
      });
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** How many messages `stream` holds (0 when it does not exist yet). */
export async function streamCount(url: string, stream: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(stream)).state.messages;
  } catch {
    return 0;
  } finally {
    await nc.close();
  }
}

/** Deletes `stream` (and its consumers) if it exists: a test or bench on the shared server leaves nothing behind. */
export async function deleteStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/**
 * The environment of a compiled bank-core that relays its outbox to `stream` on `natsUrl`: production mode on a
 * free loopback port, fast hashing and limits out of the way for test load; on PostgreSQL with `databaseUrl`,
 * on its own PGlite in `dataDir` without.
 */
export async function relayingCoreEnv(options: {
  dataDir: string;
  databaseUrl?: string;
  jwtSecret: string;
  natsUrl: string;
  stream: string;
}): Promise<Record<string, string>> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_PORT_1: String(await freePort()),
    DATA_DIR: options.dataDir,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    JWT_SECRET: options.jwtSecret,
    BCRYPT_COST: '4',
    LOG_CONSOLE: 'true',
    LOG_LEVEL: 'info',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    NATS_URL: options.natsUrl,
    NATS_STREAM: options.stream,
  };
}
