import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closeRedis,
  connectRedis,
  createAccessTokens,
  createLogger,
  createServiceTokens,
  subscribeSessionEnds,
  type Logger,
} from '@bank/common';
import { createApp } from './app';
import type { Config } from './config/config';
import { createAccountEventDispatcher } from './services/account-events.service';
import { createActivityLog } from './services/activity-log.service';
import { createActivityReader } from './services/activity-reader.service';
import { createBankCoreBreaker } from './services/bank-core-breaker';
import { createChatService } from './services/chat.service';
import { createFeedConsumer, type FeedConsumer } from './services/feed-consumer.service';
import { createFeedCursor } from './services/feed-cursor';
import { createNatsConsumer, type NatsConsumer } from './services/nats-consumer.service';
import { createSessionChecker } from './services/session-check.service';
import { createSocketRegistry } from './services/socket-registry';
import { createAdmission } from './sockets/admission';
import { CLOSE_GRACE_MS, WS_PATH } from './sockets/close-codes';
import { createSocketGateway } from './sockets/socket-gateway';
import { createClientAddress } from './utils/client-address';
import { addBreakerGauge, createMetrics } from './utils/metrics';

export interface RunningServer {
  /** http://host:port of the page and the HTTP API. */
  url: string;
  /** ws://host:port/ws, where clients connect. */
  wsUrl: string;
  server: Server;
  logger: Logger;
  /** Where ledger events come from: bank-core's SSE feed, or the JetStream stream when NATS_URL is set. */
  feed: FeedConsumer | NatsConsumer | undefined;
  stop(): Promise<void>;
}

// HTTP requests still running get this long to finish before their connections are cut.
const SHUTDOWN_GRACE_MS = 5_000;
// An active session answer is reused this long by the HTTP endpoints (sockets always ask afresh).
const SESSION_CACHE_MS = 10_000;
// Verification ignores the lifetime; signing is bank-core's job.
const UNUSED_TTL_SECONDS = 900;

/** Wires the services, attaches Express and the WebSocket server to one HTTP server, starts the feed. */
export async function start(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const logger =
    options.logger ?? createLogger({ service: 'websocket', level: config.logLevel, dir: config.logDir, console: config.logToConsole });
  const jwt = { secret: config.jwt.secret, issuer: config.jwt.issuer, audience: config.jwt.audience };
  const accessTokens = createAccessTokens({ ...jwt, ttlSeconds: UNUSED_TTL_SECONDS });
  const serviceTokens = createServiceTokens(jwt);
  const breaker = createBankCoreBreaker({ bankCoreUrl: config.bankCoreUrl, resetMs: config.breaker.resetMs, logger });
  const sessionChecker = createSessionChecker({
    bankCoreUrl: config.bankCoreUrl,
    serviceTokens,
    logger,
    cacheMs: SESSION_CACHE_MS,
    breaker,
  });
  const activity = createActivityLog({ dir: config.dataDir, ...config.activity, logger });
  const registry = createSocketRegistry();
  const readers = {
    interactions: createActivityReader({ file: activity.paths.interactions }),
    errors: createActivityReader({ file: activity.paths.errors }),
  };
  const onEvent = createAccountEventDispatcher({ registry, activity });
  const feed = !config.feed.enabled
    ? undefined
    : config.nats
      ? createNatsConsumer({ ...config.nats, logger, onEvent })
      : createFeedConsumer({
          bankCoreUrl: config.bankCoreUrl,
          serviceTokens,
          cursor: createFeedCursor(config.dataDir),
          logger,
          onEvent,
          ...config.feed,
        });

  const admission = createAdmission({
    perAddress: config.sockets.maxUnauthenticatedPerAddress,
    total: config.sockets.maxUnauthenticated,
    // By then every connection now waiting has authenticated or been cut.
    retryAfterSeconds: Math.ceil((config.sockets.authTimeoutMs + CLOSE_GRACE_MS) / 1000),
  });
  const status = () => {
    const { unauthenticated, refused } = admission.counts();
    return {
      sockets: registry.size,
      connections: { unauthenticated, authenticated: registry.size, refused },
      activity: activity.status(),
      bankCore: { breaker: breaker.state },
      feed: feed?.status() ?? null,
    };
  };
  const chat = createChatService({ activity, interactions: readers.interactions, registry, logger });
  const metrics = createMetrics({ openSockets: () => registry.size });
  addBreakerGauge(metrics.registry, () => breaker.state);
  if (feed && 'registerMetrics' in feed) feed.registerMetrics(metrics.registry);
  const app = createApp({ config, logger, accessTokens, sessionChecker, breaker, readers, status, metrics });
  const server = createServer(app);
  const gateway = createSocketGateway({
    server,
    settings: config.sockets,
    logger,
    accessTokens,
    sessionChecker,
    activity,
    registry,
    admission,
    clientAddress: createClientAddress(config.trustProxy),
    chat,
    breaker,
    outageGraceMs: config.breaker.outageGraceMs,
  });

  // Optional: without REDIS_URL an ended session's sockets close at the next sweep (WS_SESSION_CHECK_INTERVAL_MS).
  const redis = config.redisUrl ? connectRedis({ url: config.redisUrl, logger, purpose: 'session ends' }) : undefined;
  if (redis) {
    let missed = false;
    subscribeSessionEnds({
      client: redis,
      logger,
      handlers: {
        ended: (end) => gateway.sessionEnded(end),
        lost: () => (missed = true),
        // Ends announced while the subscription was down are lost: ask bank-core about every socket again.
        subscribed: () => {
          if (missed) gateway.recheckAll();
          missed = false;
        },
      },
    });
  }

  await chat.ready();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host}:${port}`;
  feed?.start();

  let stopping: Promise<void> | undefined;
  /** Feed first (its cursor must not pass events nobody could receive), then sockets, HTTP, files. */
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await feed?.stop();
      await gateway.close();
      if (redis) await closeRedis(redis);
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(forced);
      await activity.close();
      breaker.stop();
      logger.info('websocket stopped');
    })());

  logger.info('websocket listening', {
    url,
    ws: `ws://${host}:${port}${WS_PATH}`,
    bankCore: config.bankCoreUrl,
    feed: feed ? feed.status().transport : false,
  });
  return { url, wsUrl: `ws://${host}:${port}${WS_PATH}`, server, logger, feed, stop };
}
