import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { requestId, type AccessTokens, type Logger } from '@bank/common';
import type { Config } from './config/config';
import { authenticate } from './middlewares/authenticate.middleware';
import { errorHandler, unknownRoute } from './middlewares/error-handler.middleware';
import { activityRoutes } from './routes/activity.routes';
import { WS_PATH } from './sockets/close-codes';
import type { ActivityReader } from './services/activity-reader.service';
import type { SessionChecker } from './services/session-check.service';

export interface AppDeps {
  config: Config;
  logger: Logger;
  accessTokens: AccessTokens;
  sessionChecker: SessionChecker;
  readers: { interactions: ActivityReader; errors: ActivityReader };
  /** Live figures for /healthz (socket count, feed position). */
  status: () => Record<string, unknown>;
}

// Found from this file, so it is the same from src/ (tsx) and dist/ (built).
const PUBLIC_DIR = path.join(__dirname, '..', 'public');

/** bank-core's origin, plus its other loopback spelling: a page opened on localhost may call 127.0.0.1 or the reverse. */
function browserOrigins(url: string): string[] {
  const { origin, hostname } = new URL(url);
  const loopback = hostname === 'localhost' ? '127.0.0.1' : hostname === '127.0.0.1' ? 'localhost' : undefined;
  return loopback ? [origin, origin.replace(hostname, loopback)] : [origin];
}

/** Builds the Express app; never listens (server.ts attaches it and the WebSocket server to one HTTP server). */
export function createApp({ config, logger, accessTokens, sessionChecker, readers, status }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The same client address as the socket upgrades use (utils/client-address.ts).
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  app.use(
    helmet({
      contentSecurityPolicy: {
        // The page talks to this service's socket ('self' covers ws: on the same origin) and to bank-core's API.
        directives: { connectSrc: ["'self'", ...browserOrigins(config.publicBankCoreUrl)] },
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', ...status() });
  });
  // The page is static; this is how it learns where bank-core is (never a hard-coded host).
  app.get('/api/websocket/config', (_req, res) => {
    res.json({ bankCoreUrl: config.publicBankCoreUrl, wsPath: WS_PATH });
  });
  app.use('/api/websocket', activityRoutes({ authenticated: authenticate({ accessTokens, sessionChecker, logger }), readers }));
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));

  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
}
