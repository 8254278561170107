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
import type { DatabaseTimeouts } from '../db/database';
import { DEFAULT_DATABASE_TIMEOUTS } from '../db/open-database';

/** The largest MAX_TRANSACTION_AMOUNT the configuration accepts, in minor units. */
export const MAX_TRANSACTION_AMOUNT_CEILING = 1_000_000_000_000_000;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const timeoutMs = z.coerce.number().int().min(0).max(3_600_000);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  ...tracingEnvShape,
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  APP_PORT_1: port.default(3000),
  APP_PORT_2: port.default(3001),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(20),
  // Optional: rate limits shared by every instance, and session ends published to both services.
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // Bounds on every wait a request can meet in PostgreSQL (0 turns one off); see db/database.ts DatabaseTimeouts.
  DATABASE_CONNECT_TIMEOUT_MS: timeoutMs.default(DEFAULT_DATABASE_TIMEOUTS.connectMs),
  DATABASE_STATEMENT_TIMEOUT_MS: timeoutMs.default(DEFAULT_DATABASE_TIMEOUTS.statementMs),
  DATABASE_LOCK_TIMEOUT_MS: timeoutMs.default(DEFAULT_DATABASE_TIMEOUTS.lockMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: timeoutMs.default(DEFAULT_DATABASE_TIMEOUTS.idleInTransactionMs),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_CONSOLE: flag.optional(),
  CORS_ORIGINS: csv.optional(),
  // The websocket service on this machine forwards the page's /api calls with X-Forwarded-For: trusting
  // loopback proxies lets the rate limits count each browser rather than the proxy.
  TRUST_PROXY: z.string().default('loopback'),
  JWT_SECRET: z.string().optional(),
  JWT_ISSUER: z.string().min(1).default('bank-core'),
  JWT_AUDIENCE: z.string().min(1).default('bank-clients'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(30 * 86_400),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  AUTH_RATE_LIMIT_PER_MINUTE: positiveInt.default(20),
  LOOKUP_RATE_LIMIT_PER_MINUTE: positiveInt.default(30),
  API_RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCK_SECONDS: positiveInt.default(900),
  // 100 million in major units (kobo/cents): a ceiling against fat fingers, not a business limit. The setting
  // itself stops at 10^15 (10 trillion in major units), three orders of magnitude below 2^53, so amounts are
  // always exact in JavaScript and it is the balance check in ledger_post, not the amount, that bounds sums.
  MAX_TRANSACTION_AMOUNT: positiveInt.max(MAX_TRANSACTION_AMOUNT_CEILING).default(10_000_000_000),
  EVENT_FEED_POLL_MS: positiveInt.max(60_000).default(250),
  // Unset: no relay; the websocket service reads the built-in feed (GET /internal/events).
  ...natsEnvSchema,
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  websocketPort: number;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Redis (redis:// or rediss://): shared rate-limit counters and session-end pub/sub; undefined = neither. */
  redisUrl: string | undefined;
  databaseTimeouts: DatabaseTimeouts;
  dataDir: string;
  logDir: string;
  logLevel: Env['LOG_LEVEL'];
  logToConsole: boolean;
  corsOrigins: string[];
  trustProxy: boolean | number | string;
  jwt: { secret: string; issuer: string; audience: string; accessTtlSeconds: number; refreshTtlSeconds: number };
  bcryptCost: number;
  rateLimits: { authPerMinute: number; lookupPerMinute: number; apiPerMinute: number };
  loginLockout: { maxFailures: number; lockSeconds: number };
  /** Largest amount of one transaction, in minor units. */
  maxTransactionAmount: number;
  /** How often the event feed looks for events committed by other instances. */
  eventFeedPollMs: number;
  /** The NATS JetStream relay of the outbox (NATS_URL, NATS_STREAM); undefined when NATS_URL is unset. */
  nats: { servers: string[]; stream: string } | undefined;
}

export { ConfigError } from '@bank/common';

/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = parseEnv(envSchema, source);
  const dataDir = resolveFromRoot(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.APP_PORT_1,
    websocketPort: env.APP_PORT_2,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redisUrl: env.REDIS_URL,
    databaseTimeouts: {
      connectMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      lockMs: env.DATABASE_LOCK_TIMEOUT_MS,
      idleInTransactionMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    dataDir,
    logDir: env.LOG_DIR ? resolveFromRoot(env.LOG_DIR) : path.join(dataDir, 'logs'),
    logLevel: env.LOG_LEVEL,
    logToConsole: env.LOG_CONSOLE ?? env.NODE_ENV !== 'test',
    corsOrigins: env.CORS_ORIGINS ?? [`http://localhost:${env.APP_PORT_2}`, `http://127.0.0.1:${env.APP_PORT_2}`],
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    jwt: {
      secret: resolveJwtSecret({ secret: env.JWT_SECRET, production: env.NODE_ENV === 'production', dataDir }),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    },
    bcryptCost: env.BCRYPT_COST,
    rateLimits: {
      authPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
      lookupPerMinute: env.LOOKUP_RATE_LIMIT_PER_MINUTE,
      apiPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
    },
    loginLockout: { maxFailures: env.LOGIN_MAX_FAILURES, lockSeconds: env.LOGIN_LOCK_SECONDS },
    maxTransactionAmount: env.MAX_TRANSACTION_AMOUNT,
    eventFeedPollMs: env.EVENT_FEED_POLL_MS,
    nats: env.NATS_URL ? { servers: env.NATS_URL, stream: env.NATS_STREAM } : undefined,
  };
}

/**
 * Only the tracing settings (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME; undefined: tracing off), read by
 * src/instrumentation.ts before anything else is loaded; `loadConfig` checks the same variables again.
 * @throws ConfigError when either is invalid.
 */
export function loadTracingConfig(source: NodeJS.ProcessEnv = process.env): TracingConfig | undefined {
  return tracingConfigFrom(source, 'bank-core');
}
