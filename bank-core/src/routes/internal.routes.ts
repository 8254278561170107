import { Router } from 'express';
import { createInternalController } from '../controllers/internal.controller';
import { authenticateService } from '../middlewares/service-auth.middleware';
import type { Services } from '../services';

/** Service-to-service endpoints: the ledger event feed and session checks for the websocket service. */
export function internalRoutes(services: Services): Router {
  const controller = createInternalController(services);
  return Router()
    .use(authenticateService(services.serviceTokens))
    .get('/events', controller.events)
    .post('/sessions/check', controller.checkSession);
}
