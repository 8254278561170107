import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { requestId, type Logger } from '@bank/common';
import type { Config } from './config/config';
import type { Database } from './db/database';
import { jsonBodiesOnly } from './middlewares/json-only.middleware';
import { errorHandler, unknownRoute } from './middlewares/error-handler.middleware';
import { byIp, limitPerMinute } from './middlewares/rate-limit.middleware';
import { requestLog } from './middlewares/request-log.middleware';
import { accountRoutes } from './routes/account.routes';
import { internalRoutes } from './routes/internal.routes';
import { opsRoutes } from './routes/ops.routes';
import { transactionRoutes } from './routes/transaction.routes';
import { userRoutes } from './routes/user.routes';
import type { Services } from './services';

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  services: Services;
}

export const JSON_BODY_LIMIT = '16kb';

/** Builds the Express app; never listens, so tests can mount it on port 0 with a fresh database. */
export function createApp({ config, db, logger, services }: AppDeps): Express {
  const { metrics } = services;
  const app = express();
  app.disable('x-powered-by');
  // An ETag is a hash of every response body: worthless for an API whose answers are not cached.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  app.use(requestId);
  app.use(requestLog(logger, metrics));
  app.use(helmet());
  app.use(cors({ origin: config.corsOrigins, exposedHeaders: ['X-Request-Id', 'Retry-After', 'Idempotency-Replayed'] }));
  app.use(jsonBodiesOnly);
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  app.use(cookieParser());

  app.use(opsRoutes({ db, metrics, websocketPort: config.websocketPort, relay: services.natsRelay }));
  app.use('/api', limitPerMinute(config.rateLimits.apiPerMinute, byIp, 'requests', services.rateLimitStores('api')));
  app.use('/api/users', userRoutes(services, config));
  app.use('/api/accounts', accountRoutes(services));
  app.use('/api/transactions', transactionRoutes(services, config.maxTransactionAmount));
  app.use('/internal', internalRoutes(services));

  app.use(unknownRoute);
  app.use(errorHandler(logger, metrics));
  return app;
}
