import { Router } from 'express';
import { createStatementController } from '../controllers/statement.controller';
import { createTransactionController } from '../controllers/transaction.controller';
import { authenticate, requireAdmin } from '../middlewares/authenticate.middleware';
import type { Services } from '../services';

export function transactionRoutes(services: Services, maxTransactionAmount: number): Router {
  const controller = createTransactionController({ ...services, maxTransactionAmount });
  const statements = createStatementController(services);
  return Router()
    .use(authenticate(services.accessTokens, services.sessionGuard))
    .post('/deposit', controller.deposit)
    .post('/withdraw', controller.withdraw)
    .post('/send', controller.send)
    .get('/history/:accountId', controller.history)
    .get('/history/:accountId/statement.csv', statements.csv)
    .get('/history/:accountId/statement.pdf', statements.pdf)
    .get('/', controller.list)
    .get('/:id', controller.get)
    .put('/:id', controller.immutable)
    .patch('/:id', controller.immutable)
    .delete('/:id', controller.immutable)
    .post('/:id/reverse', requireAdmin, controller.reverse);
}
