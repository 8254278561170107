import { createAccessTokens, createServiceTokens, type Logger } from '@bank/common';
import type { Config } from '../config/config';
import type { Database } from '../db/database';
import { createAccountService } from './account.service';
import { createAuthService } from './auth.service';
import { createEventFeed } from './event-feed.service';
import { createIdempotencyService } from './idempotency.service';
import { createLedgerQueryService } from './ledger-query.service';
import { createLedgerService } from './ledger.service';
import { createNatsRelay } from './nats-relay.service';
import { createPasswordHasher } from './password.service';
import { createSessionGuard } from './session-guard';
import { createUserService } from './user.service';

// How long a "session is live" answer is trusted before asking the database again.
const SESSION_CACHE_MS = 5_000;

/** Wires every service once; server.ts and the tests both build the app from this. */
export function createServices({ config, db, logger }: { config: Config; db: Database; logger: Logger }) {
  const accessTokens = createAccessTokens({
    secret: config.jwt.secret,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    ttlSeconds: config.jwt.accessTtlSeconds,
  });
  const sessionGuard = createSessionGuard({ db, cacheMs: SESSION_CACHE_MS });
  const passwords = createPasswordHasher(config.bcryptCost);
  const accounts = createAccountService({ db });
  const auth = createAuthService({
    db,
    accounts,
    passwords,
    accessTokens,
    sessionGuard,
    refreshTtlSeconds: config.jwt.refreshTtlSeconds,
    loginLockout: config.loginLockout,
  });
  const users = createUserService({ db, passwords, sessionGuard });
  const serviceTokens = createServiceTokens({ secret: config.jwt.secret, issuer: config.jwt.issuer, audience: config.jwt.audience });
  const feed = createEventFeed({ db, pollMs: config.eventFeedPollMs, logger });
  const ledger = createLedgerService({ db, logger, onPosted: feed.notify });
  const ledgerQueries = createLedgerQueryService({ db });
  const idempotency = createIdempotencyService({ db, logger });
  // NATS_URL set: the outbox is also relayed to JetStream (server.ts starts it); the feed above stays.
  const natsRelay = config.nats && createNatsRelay({ db, feed, logger, ...config.nats });
  return {
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
