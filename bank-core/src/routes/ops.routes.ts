import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import type { HttpMetrics } from '../utils/metrics';
import { loadOpenApiDocument } from '../utils/openapi';

/** Liveness, readiness, Prometheus metrics and the API documentation. */
export function opsRoutes({ db, metrics }: { db: Database; metrics: HttpMetrics }): Router {
  const document = loadOpenApiDocument();
  return Router()
    .get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
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
      res.json(document);
    })
    .use('/docs', swaggerUi.serve, swaggerUi.setup(document, { swaggerOptions: { persistAuthorization: true } }));
}
