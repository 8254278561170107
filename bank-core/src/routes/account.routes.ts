import { Router } from 'express';
import { createAccountController } from '../controllers/account.controller';
import { authenticate } from '../middlewares/authenticate.middleware';
import type { Services } from '../services';

export function accountRoutes(services: Services): Router {
  const controller = createAccountController(services);
  return Router()
    .use(authenticate(services.accessTokens, services.sessionGuard))
    .post('/', controller.create)
    .get('/', controller.list)
    .get('/:id', controller.get)
    .put('/:id', controller.update)
    .delete('/:id', controller.close);
}
