import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBenchDatabase, type BenchDatabase } from '../../bank-core/bench/bench-process';
import { freePort, startServiceProcess, type ServiceName, type ServiceProcess } from '../../bank-core/chaos/service-process';
import { ENGINES } from './engines';
import { startNginx, type NginxProcess } from './nginx';

export interface TopologyOptions {
  /** How many compiled bank-core and websocket processes (default 2 and 2). */
  bankCores?: number;
  websockets?: number;
  /** Passed to every instance as REDIS_URL / NATS_URL; unset leaves the engine off, as in `npm start`. */
  redisUrl?: string;
  natsUrl?: string;
  /** The PostgreSQL server in which a fresh database is created (and dropped by `stop`). */
  postgresUrl?: string;
  /** Where each websocket instance reaches bank-core: its own bank-core (websocket i follows bank-core i mod N) or nginx. */
  websocketsFollow?: 'own-bank-core' | 'nginx';
  /** Extra variables for every instance of a service (they win over the topology's own). */
  bankCoreEnv?: Record<string, string>;
  websocketEnv?: Record<string, string>;
  /** Start nginx in front (default true). */
  nginx?: boolean;
  /**
   * A websocket instance counts as started once /healthz says its built-in feed is connected (default
   * true); false for one whose events come another way, or whose bank-core is down on purpose.
   */
  waitForFeed?: boolean;
}

/** One service process on a fixed loopback port, which keeps that port across kills and restarts. */
export interface Instance {
  service: ServiceName;
  /** e.g. bank-core-1, websocket-2. */
  name: string;
  port: number;
  /** http://127.0.0.1:port (ws://127.0.0.1:port/ws for a websocket instance's sockets). */
  url: string;
  /** The variables it runs with (without PATH). */
  env: Record<string, string>;
  running(): boolean;
  /** Everything it printed (the last 64 KiB), also from before its last restart. */
  output(): string;
  /** kill -9: no shutdown, requests and sockets in flight cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the graceful exit. */
  stop(): Promise<void>;
  /**
   * Starts it (again) on the same port with the same variables, after kill or stop; a websocket instance
   * once its feed is connected (see `waitForFeed`). @throws Error if it is running or does not start.
   */
  restart(): Promise<void>;
}

export interface Topology {
  /** The balancer's http://127.0.0.1:port, or undefined without nginx. */
  url: string | undefined;
  /** ws://.../ws through the balancer. */
  wsUrl: string | undefined;
  bankCores: Instance[];
  websockets: Instance[];
  nginx: NginxProcess | undefined;
  database: BenchDatabase;
  /** The JWT secret every instance shares (to sign service tokens in a test). */
  jwtSecret: string;
  /** Stops nginx and every instance, drops the database and deletes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `bankCores` compiled bank-core and `websockets` compiled websocket processes (after `npm run
 * build`; `npm run test:cluster` builds first) on free loopback ports against one fresh PostgreSQL
 * database, in production mode with one shared JWT secret, and nginx in front with the repository's
 * template. Instances log only warnings (to their output), in a temp folder of their own each. A websocket
 * instance counts as started once it follows bank-core's feed (unless `waitForFeed` is false), so nothing
 * committed after startTopology returns can pass it by.
 * @throws Error naming the instance and its output when one does not start; whatever started is stopped.
 */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const { bankCores: coreCount = 2, websockets: wsCount = 2, websocketsFollow = 'own-bank-core' } = options;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bank-cluster-'));
  const database = await createBenchDatabase(options.postgresUrl ?? ENGINES.postgresUrl);
  const jwtSecret = `cluster-${randomBytes(32).toString('hex')}`;
  const nginxPort = await freePort();
  const balancer = `http://127.0.0.1:${nginxPort}`;
  const engines = {
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...(options.natsUrl ? { NATS_URL: options.natsUrl } : {}),
  };
  const common = (name: string) => ({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    JWT_SECRET: jwtSecret,
    DATA_DIR: path.join(dir, name),
    LOG_LEVEL: 'warn',
    LOG_CONSOLE: 'true',
    // nginx (and the websocket service's own proxy) reach the instances over loopback.
    TRUST_PROXY: 'loopback',
    ...engines,
  });

  const bankCores: Instance[] = [];
  const websockets: Instance[] = [];
  let nginx: NginxProcess | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await nginx?.stop();
    await Promise.all([...websockets, ...bankCores].map((instance) => instance.kill()));
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (let i = 1; i <= coreCount; i += 1) {
      const name = `bank-core-${i}`;
      const port = await freePort();
      bankCores.push(
        instance('bank-core', name, port, false, {
          ...common(name),
          APP_PORT_1: String(port),
          APP_PORT_2: String(nginxPort),
          DATABASE_URL: database.url,
          BCRYPT_COST: '4',
          ...options.bankCoreEnv,
        }),
      );
    }
    for (let i = 1; i <= wsCount; i += 1) {
      const name = `websocket-${i}`;
      const port = await freePort();
      const follows = websocketsFollow === 'nginx' ? balancer : bankCores[(i - 1) % coreCount]!.url;
      websockets.push(
        instance('websocket', name, port, options.waitForFeed ?? true, {
          ...common(name),
          APP_PORT_2: String(port),
          BANK_CORE_URL: follows,
          WS_INSTANCE_ID: name,
          ...options.websocketEnv,
        }),
      );
    }
    // The first one migrates the database; the others then start at once.
    await bankCores[0]?.restart();
    await Promise.all(bankCores.slice(1).map((core) => core.restart()));
    // nginx before the websocket instances, which may follow bank-core through it.
    if (options.nginx !== false) {
      const address = (item: Instance) => `127.0.0.1:${item.port}`;
      nginx = await startNginx(path.join(dir, 'nginx'), {
        port: nginxPort,
        bankCores: bankCores.map(address),
        websockets: websockets.map(address),
      });
    }
    await Promise.all(websockets.map((ws) => ws.restart()));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: nginx ? balancer : undefined,
    wsUrl: nginx ? `ws://127.0.0.1:${nginxPort}/ws` : undefined,
    bankCores,
    websockets,
    nginx,
    database,
    jwtSecret,
    stop,
  };
}

/** An instance handle, not started yet: `restart()` starts it. */
function instance(service: ServiceName, name: string, port: number, waitForFeed: boolean, env: Record<string, string>): Instance {
  let current: ServiceProcess | undefined;
  let before = '';
  const output = () => before + (current?.output() ?? '');
  const ended = async (how: 'kill' | 'stop') => {
    const process = current;
    if (!process) return;
    current = undefined;
    await process[how]();
    before = (before + process.output() + `\n--- ${how} ---\n`).slice(-65_536);
  };
  return {
    service,
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    env,
    running: () => current !== undefined,
    output,
    kill: () => ended('kill'),
    stop: () => ended('stop'),
    restart: async () => {
      if (current) throw new Error(`${name} is running`);
      try {
        current = await startServiceProcess(env, { compiled: true, service });
        if (waitForFeed) await feedFollowed(current.url);
      } catch (error) {
        throw new Error(`${name} did not start: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/**
 * Waits until a websocket instance follows bank-core's feed (or has it off), as /healthz reports: a fresh
 * consumer starts at the feed's end, so an event committed before it connects would never reach it.
 * @throws Error after 15 s.
 */
async function feedFollowed(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const health = (await (await fetch(`${url}/healthz`)).json()) as { feed?: { connected?: boolean } | null };
    if (!health.feed || health.feed.connected) return;
    if (Date.now() > deadline) throw new Error(`the feed is not connected: ${JSON.stringify(health.feed)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
