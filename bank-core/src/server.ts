import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeRedis, connectRedis, createLogger, whenReady, type Logger } from '@bank/common';
import { createApp } from './app';
import type { Config } from './config/config';
import type { Database } from './db/database';
import { openDatabase } from './db/open-database';
import { isDatabaseUnavailable } from './db/unavailable';
import { createServices, type RedisLink, type Services } from './services';

export interface RunningServer {
  url: string;
  server: Server;
  db: Database;
  logger: Logger;
  services: Services;
  stop(): Promise<void>;
}

// Requests still running get this long to finish before their connections are cut.
const SHUTDOWN_GRACE_MS = 10_000;
const HOUR_MS = 3_600_000;
// A database that is not up yet (started together with us, or restarting) gets this long before start-up fails.
const STARTUP_WAIT_MS = 60_000;
const REDIS_STARTUP_WAIT_MS = 2_000;

/** Opens (and migrates) the configured database, waiting while the server is unreachable. */
async function openDatabaseWhenReachable(config: Config, logger: Logger): Promise<Database> {
  const deadline = Date.now() + STARTUP_WAIT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await openDatabase({
        databaseUrl: config.databaseUrl,
        poolSize: config.databasePoolSize,
        dataDir: config.dataDir,
        timeouts: config.databaseTimeouts,
        report: (message, error) => logger.warn(message, { error }),
      });
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() > deadline) throw error;
      logger.warn('database not reachable yet; retrying', { attempt, error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
}

/** Opens the database (migrating it), builds the app and listens. */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger =
    options.logger ??
    createLogger({
      service: 'bank-core',
      level: config.logLevel,
      dir: config.logDir,
      console: config.logToConsole,
    });
  const db = await openDatabaseWhenReachable(config, logger);
  // Optional: without REDIS_URL the limits count in this process and session ends travel by NOTIFY alone.
  const redis: RedisLink | undefined = config.redisUrl
    ? {
        commands: connectRedis({ url: config.redisUrl, logger, purpose: 'commands' }),
        subscriber: connectRedis({ url: config.redisUrl, logger, purpose: 'session ends' }),
      }
    : undefined;
  // A moment for Redis, so that normally the limits count in Redis from the first request (not forever:
  // the service starts and serves without it).
  if (redis) await whenReady(redis.commands, REDIS_STARTUP_WAIT_MS);
  const services = createServices({ config, db, logger, redis });
  await services.passwords.warmUp();
  const app = createApp({ config, db, logger, services });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  services.natsRelay?.start();
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${port}`;

  // Housekeeping: old Idempotency-Keys are forgotten (every instance may run it; the DELETE is idempotent).
  const purgeKeys = () =>
    services.idempotency.purgeExpired().catch((error: unknown) => logger.warn('idempotency key purge failed', { error }));
  void purgeKeys();
  const housekeeping = setInterval(() => void purgeKeys(), HOUR_MS).unref();

  let stopping: Promise<void> | undefined;
  /** Stops taking connections, lets requests in flight finish, then closes the database. */
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(housekeeping);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      services.feed.close();
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(forced);
      // Before the database: the relay saves its position as it stops.
      await services.natsRelay?.stop();
      if (redis) await Promise.all([closeRedis(redis.commands), closeRedis(redis.subscriber)]);
      await db.close();
      logger.info('bank-core stopped');
    })());

  logger.info('bank-core listening', { url, docs: `${url}/docs`, database: db.driver });
  return { url, server, db, logger, services, stop };
}
