import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  natsEnvSchema,
  parseEnv,
  parseTrustProxy,
  resolveFromRoot,
  resolveJwtSecret,
  tracingConfigFrom,
  tracingEnvShape,
  type TracingConfig,
} from '@bank/common';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

const envSchema = z.object({
  ...tracingEnvShape,
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  APP_PORT_1: port.default(3000),
  APP_PORT_2: port.default(3001),
  BANK_CORE_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Optional: session ends published by bank-core close this instance's sockets at once.
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  WS_DATA_DIR: z.string().min(1).optional(),
  LOG_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_CONSOLE: flag.optional(),
  TRUST_PROXY: z.string().default('false'),
  JWT_SECRET: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default('bank-core'),
  JWT_AUDIENCE: z.string().min(1).default('bank-clients'),
  WS_AUTH_TIMEOUT_MS: positiveInt.default(5_000),
  WS_MAX_UNAUTHENTICATED_PER_ADDRESS: positiveInt.default(20),
  WS_MAX_UNAUTHENTICATED: positiveInt.default(1_000),
  WS_MAX_SOCKETS_PER_USER: positiveInt.default(20),
  WS_MAX_PAYLOAD_BYTES: positiveInt
    .min(256)
    .max(1024 * 1024)
    .default(16 * 1024),
  WS_RATE_LIMIT_PER_SECOND: positiveInt.default(20),
  WS_RATE_LIMIT_BURST: positiveInt.default(40),
  WS_RATE_LIMIT_CLOSE_AFTER: positiveInt.default(20),
  WS_HEARTBEAT_INTERVAL_MS: positiveInt.default(30_000),
  WS_SESSION_CHECK_INTERVAL_MS: positiveInt.default(30_000),
  WS_ACTIVITY_MAX_BYTES: positiveInt.min(1024).default(10 * 1024 * 1024),
  WS_ACTIVITY_RETENTION_DAYS: z.coerce.number().positive().max(36_500).default(30),
  WS_ACTIVITY_MAX_TOTAL_BYTES: positiveInt.min(1024).default(1024 * 1024 * 1024),
  WS_ACTIVITY_QUOTA_BYTES_PER_MINUTE: positiveInt.default(64 * 1024),
  WS_ACTIVITY_QUOTA_BYTES_PER_DAY: positiveInt.default(1024 * 1024),
  WS_FEED_ENABLED: flag.default(true),
  WS_FEED_RETRY_MAX_MS: positiveInt.default(30_000),
  WS_FEED_PROBE_INTERVAL_MS: positiveInt.default(250),
  WS_FEED_IDLE_TIMEOUT_MS: positiveInt.default(60_000),
  // Set: ledger events come from the JetStream stream instead of bank-core's SSE feed.
  ...natsEnvSchema,
  // Names this instance's durable consumer; a consumer name (JetStream) cannot hold '.', '*', '>' or spaces.
  WS_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1 to 64)')
    .optional(),
  WS_BANK_CORE_BREAKER_RESET_MS: positiveInt.default(10_000),
  WS_BANK_CORE_OUTAGE_GRACE_MS: positiveInt.default(60_000),
  // A signed-in page with no keyboard or pointer use this long signs itself out, warning first.
  WEB_IDLE_TIMEOUT_MS: positiveInt.min(1_000).default(10 * 60_000),
  WEB_IDLE_WARNING_MS: positiveInt.default(60_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  /** bank-core as this service reaches it: the event feed, session checks, and the page's /api calls forwarded there. */
  bankCoreUrl: string;
  /** Redis, where bank-core publishes session ends (then sockets close at once, not at the next re-check); undefined = off. */
  redisUrl: string | undefined;
  /** This service's own files: activity logs and the feed cursor. */
  dataDir: string;
  logDir: string;
  logLevel: Env['LOG_LEVEL'];
  logToConsole: boolean;
  /** Express's `trust proxy`: which peers' X-Forwarded-For names the client address (as bank-core's TRUST_PROXY). */
  trustProxy: boolean | number | string;
  jwt: { secret: string; issuer: string; audience: string };
  sockets: {
    authTimeoutMs: number;
    /** Connections not yet authenticated, per client address and in all; more are refused at the upgrade. */
    maxUnauthenticatedPerAddress: number;
    maxUnauthenticated: number;
    maxSocketsPerUser: number;
    maxPayloadBytes: number;
    ratePerSecond: number;
    rateBurst: number;
    /** Refused messages in a row after which a flooding socket is closed with 1008. */
    rateCloseAfter: number;
    heartbeatIntervalMs: number;
    sessionCheckIntervalMs: number;
  };
  activity: {
    /** Rotation size of each activity file (bytes); rotation only splits files. */
    maxBytes: number;
    /** Rotated files older than this are deleted (days); the only way lines leave. */
    retentionDays: number;
    /** All activity files together (bytes); past it, client lines are refused. */
    budgetBytes: number;
    /** What one user's clients (or one address before auth) may write, over all their sockets (bytes). */
    quota: { bytesPerMinute: number; bytesPerDay: number };
  };
  /** Reconnect backoff ceiling; /readyz probe interval while bank-core is unreachable; silence before reconnecting (ms). */
  feed: { enabled: boolean; retryMaxMs: number; probeIntervalMs: number; idleTimeoutMs: number };
  /**
   * The JetStream link (NATS_URL, NATS_STREAM), used instead of the SSE feed when set (and the feed is
   * enabled); `instanceId` names this instance's durable consumer, so a restart resumes where it stopped.
   */
  nats: { servers: string[]; stream: string; instanceId: string } | undefined;
  /**
   * The circuit breaker around calls to bank-core: how long it stays open before one trial call (ms), and how
   * long sockets already authenticated are kept once it has opened (ms); see services/bank-core-breaker.ts.
   */
  breaker: { resetMs: number; outageGraceMs: number };
  /** The page's idle sign-out: after idleTimeoutMs without input, warned idleWarningMs before. */
  web: { idleTimeoutMs: number; idleWarningMs: number };
}

export { ConfigError } from '@bank/common';

/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(envSchema, source);
  // DATA_DIR is shared with bank-core (the dev JWT secret lives there); this service keeps its own files below it.
  const sharedDataDir = resolveFromRoot(env.DATA_DIR);
  const bankCoreUrl = (env.BANK_CORE_URL ?? `http://127.0.0.1:${env.APP_PORT_1}`).replace(/\/+$/, '');
  const dataDir = env.WS_DATA_DIR ? resolveFromRoot(env.WS_DATA_DIR) : path.join(sharedDataDir, 'websocket');
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.APP_PORT_2,
    bankCoreUrl,
    redisUrl: env.REDIS_URL,
    dataDir,
    logDir: env.LOG_DIR ? resolveFromRoot(env.LOG_DIR) : path.join(dataDir, 'logs'),
    logLevel: env.LOG_LEVEL,
    logToConsole: env.LOG_CONSOLE ?? env.NODE_ENV !== 'test',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    jwt: {
      secret: resolveJwtSecret({ secret: env.JWT_SECRET, production: env.NODE_ENV === 'production', dataDir: sharedDataDir }),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    sockets: {
      authTimeoutMs: env.WS_AUTH_TIMEOUT_MS,
      maxUnauthenticatedPerAddress: env.WS_MAX_UNAUTHENTICATED_PER_ADDRESS,
      maxUnauthenticated: env.WS_MAX_UNAUTHENTICATED,
      maxSocketsPerUser: env.WS_MAX_SOCKETS_PER_USER,
      maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
      ratePerSecond: env.WS_RATE_LIMIT_PER_SECOND,
      rateBurst: env.WS_RATE_LIMIT_BURST,
      rateCloseAfter: env.WS_RATE_LIMIT_CLOSE_AFTER,
      heartbeatIntervalMs: env.WS_HEARTBEAT_INTERVAL_MS,
      sessionCheckIntervalMs: env.WS_SESSION_CHECK_INTERVAL_MS,
    },
    activity: {
      maxBytes: env.WS_ACTIVITY_MAX_BYTES,
      retentionDays: env.WS_ACTIVITY_RETENTION_DAYS,
      budgetBytes: env.WS_ACTIVITY_MAX_TOTAL_BYTES,
      quota: { bytesPerMinute: env.WS_ACTIVITY_QUOTA_BYTES_PER_MINUTE, bytesPerDay: env.WS_ACTIVITY_QUOTA_BYTES_PER_DAY },
    },
    feed: {
      enabled: env.WS_FEED_ENABLED,
      retryMaxMs: env.WS_FEED_RETRY_MAX_MS,
      probeIntervalMs: env.WS_FEED_PROBE_INTERVAL_MS,
      idleTimeoutMs: env.WS_FEED_IDLE_TIMEOUT_MS,
    },
    nats: env.NATS_URL
      ? { servers: env.NATS_URL, stream: env.NATS_STREAM, instanceId: env.WS_INSTANCE_ID ?? defaultInstanceId(env.APP_PORT_2) }
      : undefined,
    breaker: { resetMs: env.WS_BANK_CORE_BREAKER_RESET_MS, outageGraceMs: env.WS_BANK_CORE_OUTAGE_GRACE_MS },
    web: { idleTimeoutMs: env.WEB_IDLE_TIMEOUT_MS, idleWarningMs: Math.min(env.WEB_IDLE_WARNING_MS, env.WEB_IDLE_TIMEOUT_MS) },
  };
}

// The same rule as bank-core's config: both services must verify the same tokens, so outside
// production both read the one generated secret in the shared DATA_DIR.

/**
 * This machine's host name and the service's port, e.g. `web-1-3001`, kept to the characters a consumer name
 * may hold: stable across restarts of one instance, distinct between instances (a container's host name, or
 * ports on one machine). Port 0 (a port picked at start) is not stable: set WS_INSTANCE_ID then.
 */
export function defaultInstanceId(port: number): string {
  const host =
    os
      .hostname()
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 50) || 'host';
  return `${host}-${port}`;
}

/**
 * Only the tracing settings (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME; undefined: tracing off), read by
 * src/instrumentation.ts before anything else is loaded; `loadConfig` checks the same variables again.
 * @throws ConfigError when either is invalid.
 */
export function loadTracingConfig(source: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  return tracingConfigFrom(source, 'websocket');
}
