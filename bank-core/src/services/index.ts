import {
  createAccessTokens,
  createServiceTokens,
  createSessionEndPublisher,
  subscribeSessionEnds,
  type Logger,
  type RedisClient,
} from '@bank/common';
import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { createRateLimitStore } from '../middlewares/rate-limit-store';
import type { RateLimitStores } from '../middlewares/rate-limit.middleware';
import { createAccountService } from './account.service';
import { createAuthService } from './auth.service';
import { createEventFeed } from './event-feed.service';
import { createIdempotencyService } from './idempotency.service';
import { createLedgerQueryService } from './ledger-query.service';
import { createLedgerService } from './ledger.service';
import { createNatsRelay } from './nats-relay.service';
import { createPasswordCheck } from './password-check';
import { createPasswordHasher } from './password.service';
import { createSessionGuard } from './session-guard';
import { createMetrics } from '../utils/metrics';
import { createUserService } from './user.service';

// How long a "session is live" answer is trusted before asking the database again.
const SESSION_CACHE_MS = 5_000;

/** Two Redis connections (REDIS_URL): one for commands, one held by the session-end subscription. */
export interface RedisLink {
  commands: RedisClient;
  subscriber: RedisClient;
}

/**
 * Wires every service once; server.ts and the tests both build the app from this. With `redis`, the
 * rate limits count in Redis and session ends are published and received there (closing the
 * connections is the caller's job).
 */
export function createServices({ config, db, logger, redis }: { config: Config; db: Database; logger: Logger; redis?: RedisLink }) {
  const accessTokens = createAccessTokens({
    secret: config.jwt.secret,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTtlSeconds,
  });
  const publish = redis && createSessionEndPublisher({ client: redis.commands, logger });
  const sessionGuard = createSessionGuard({ db, cacheMs: SESSION_CACHE_MS, publish });
  if (redis) subscribeSessionEnds({ client: redis.subscriber, logger, handlers: { ended: sessionGuard.dropped } });
  const rateLimitStores: RateLimitStores = (name) =>
    redis && createRateLimitStore({ client: redis.commands, prefix: `bank:rate-limit:${name}:`, logger });
  const passwords = createPasswordHasher(config.bcryptCost);
  const passwordCheck = createPasswordCheck({ db, passwords, lockout: config.loginLockout });
  const accounts = createAccountService({ db });
  const auth = createAuthService({
    db,
    accounts,
    passwords,
    passwordCheck,
    accessTokens,
    sessionGuard,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
  });
  const users = createUserService({ db, passwords, passwordCheck, sessionGuard });
  const serviceTokens = createServiceTokens({ secret: config.jwt.secret, issuer: config.jwt.issuer, audience: config.jwt.audience });
  const feed = createEventFeed({ db, pollMs: config.eventFeedPollMs, logger });
  // One registry per app: the HTTP middleware, the ledger and the error handler all count into it.
  const metrics = createMetrics();
  const ledger = createLedgerService({
    db,
    logger,
    onPosted: (posting) => {
      metrics.countPosting(posting);
      feed.notify();
    },
  });
  const ledgerQueries = createLedgerQueryService({ db });
  const idempotency = createIdempotencyService({ db, logger });
  // NATS_URL set: the outbox is also relayed to JetStream (server.ts starts it); the feed above stays.
  const natsRelay = config.nats && createNatsRelay({ db, feed, logger, ...config.nats });
  natsRelay?.registerMetrics(metrics.registry);
  return {
    metrics,
    rateLimitStores,
    accessTokens,
    serviceTokens,
    sessionGuard,
    passwords,
    accounts,
    auth,
    users,
    feed,
    ledger,
    ledgerQueries,
    idempotency,
    natsRelay,
  };
}

export type Services = ReturnType<typeof createServices>;
