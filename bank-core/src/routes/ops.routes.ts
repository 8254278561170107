import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import type { NatsRelay } from '../services/nats-relay.service';
import type { Metrics } from '../utils/metrics';
import { openApiDocumentFor } from '../utils/openapi';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** The API's own address in a browser: a page that sends people to the web bank and the docs. */
function homePage(pageUrl: string): string {
  const page = escapeHtml(pageUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bank-core API</title></head>
<body><main><h1>bank-core</h1>
<p>This is the bank's API. Customers and staff use the web bank: <a href="${page}">${page}</a>.</p>
<p>The API is described, and can be tried, at <a href="/docs">/docs</a> (<a href="/docs/openapi.json">openapi.json</a>).</p>
</main></body></html>
`;
}

const documentForToday = () => openApiDocumentFor(new Date());

/** Liveness, readiness, Prometheus metrics, the API documentation and a home page. */
export function opsRoutes({
  db,
  metrics,
  websocketPort,
  relay,
}: {
  db: Database;
  metrics: Metrics;
  websocketPort: number;
  /** With NATS_URL: the outbox relay's state, shown in /healthz. */
  relay?: NatsRelay | undefined;
}): Router {
  let ui: { document: Record<string, unknown>; serve: RequestHandler } | undefined;
  return (
    Router()
      .get('/', (req, res) => {
        // The page is the websocket service on the same host as this request reached.
        const host = req.hostname.includes(':') && !req.hostname.startsWith('[') ? `[${req.hostname}]` : req.hostname;
        res.type('html').send(homePage(`${req.protocol}://${host}:${websocketPort}/`));
      })
      .get('/healthz', (_req, res) => {
        res.json(relay ? { status: 'ok', relay: relay.status() } : { status: 'ok' });
      })
      .get('/readyz', async (_req, res) => {
        try {
          await db.query('SELECT 1');
        } catch (cause) {
          throw new AppError({ code: 'SERVICE_UNAVAILABLE', message: 'Database is not reachable', cause });
        }
        res.json({ status: 'ready', database: db.driver });
      })
      .get('/metrics', async (_req, res) => {
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      })
      .get('/docs/openapi.json', (_req, res) => {
        res.json(documentForToday());
      })
      // Set up again when the month turns, so "Try it out" offers this month as the statement period.
      .use('/docs', swaggerUi.serve, (req: Request, res: Response, next: NextFunction) => {
        const document = documentForToday();
        if (ui?.document !== document)
          ui = { document, serve: swaggerUi.setup(document, { swaggerOptions: { persistAuthorization: true } }) };
        ui.serve(req, res, next);
      })
  );
}
