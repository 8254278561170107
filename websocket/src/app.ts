import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { requestId, type AccessTokens, type Logger } from '@bank/common';
import type { Config } from './config/config';
import { authenticate } from './middlewares/authenticate.middleware';
import { errorHandler, unknownRoute } from './middlewares/error-handler.middleware';
import { activityRoutes } from './routes/activity.routes';
import { bankCoreProxy } from './routes/bank-core-proxy';
import { WS_PATH } from './sockets/close-codes';
import type { ActivityReader } from './services/activity-reader.service';
import type { BankCoreBreaker } from './services/bank-core-breaker';
import type { SessionChecker } from './services/session-check.service';
import type { Metrics } from './utils/metrics';

export interface AppDeps {
  config: Config;
  logger: Logger;
  accessTokens: AccessTokens;
  sessionChecker: SessionChecker;
  breaker: BankCoreBreaker;
  readers: { interactions: ActivityReader; errors: ActivityReader };
  /** Live figures for /healthz (socket count, feed position). */
  status: () => Record<string, unknown>;
  /** Served at /metrics. */
  metrics: Metrics;
}

// The built page (vite build of websocket/web); found from this file, so the same from src/ (tsx) and dist/.
export const WEB_DIR = path.join(__dirname, '..', 'dist', 'web');
// Vite names built assets by content hash, so they can be cached for good; index.html names them.
const ASSET_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** Builds the Express app; never listens (server.ts attaches it and the WebSocket server to one HTTP server). */
export function createApp({ config, logger, accessTokens, sessionChecker, breaker, readers, status, metrics }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The same client address as the socket upgrades use (utils/client-address.ts).
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  // Before helmet: bank-core's answers (Swagger UI included) keep bank-core's own security headers.
  app.use(bankCoreProxy({ target: config.bankCoreUrl, logger, breaker }));
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Scripts, styles, the socket and the API all come from this one origin ('self' covers ws: here).
        directives: {
          connectSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          // Outside production the page is often opened over plain http on a LAN address, where upgrading
          // its own asset requests to https would break it.
          upgradeInsecureRequests: config.env === 'production' ? [] : null,
        },
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...status() });
  });
  // Like bank-core's: no authentication, so keep it off the public internet (nginx does not route it).
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // What the page needs at start: where the socket is, and how long a quiet session may stay signed in.
  app.get('/api/websocket/config', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ wsPath: WS_PATH, idleTimeoutMs: config.web.idleTimeoutMs, idleWarningMs: config.web.idleWarningMs });
  });
  app.use('/api/websocket', activityRoutes({ authenticated: authenticate({ accessTokens, sessionChecker, logger }), readers }));
  app.use(
    express.static(WEB_DIR, {
      index: 'index.html',
      setHeaders: (res, file) => {
        res.setHeader(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`) ? `public, max-age=${ASSET_MAX_AGE_SECONDS}, immutable` : 'no-cache',
        );
      },
    }),
  );

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
