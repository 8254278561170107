import { Router } from 'express';
import type { Config } from '../config/config';
import { createSessionCookies } from '../controllers/session-cookie';
import { createUserController } from '../controllers/user.controller';
import { authenticate, requireAdmin } from '../middlewares/authenticate.middleware';
import { byEmail, byIp, byUser, byUserCheckingPassword, limitPerMinute } from '../middlewares/rate-limit.middleware';
import type { Services } from '../services';

export function userRoutes(services: Services, config: Pick<Config, 'rateLimits' | 'env' | 'jwt'>): Router {
  const limits = config.rateLimits;
  const cookies = createSessionCookies({ secure: config.env === 'production', refreshTtlSeconds: config.jwt.refreshTtlSeconds });
  const controller = createUserController({ ...services, cookies });
  const auth = authenticate(services.accessTokens, services.sessionGuard);
  // Separate counters per IP and per email: one IP cannot spray many emails, many IPs cannot hammer one email.
  const store = services.rateLimitStores;
  const authByIp = limitPerMinute(limits.authPerMinute, byIp, 'sign-in attempts from this address', store('auth-ip'));
  const authByEmail = limitPerMinute(limits.authPerMinute, byEmail, 'attempts for this email', store('auth-email'));
  // Account-number lookups get their own tight budget so numbers cannot be enumerated cheaply.
  // A stolen access token must not buy more password guesses than the login form: the same budget, per user.
  const passwordChecks = limitPerMinute(limits.authPerMinute, byUserCheckingPassword, 'password checks', store('password-check'));
  const lookups = limitPerMinute(limits.lookupPerMinute, byUser, 'account lookups', store('lookup'));

  return Router()
    .post('/signup', authByIp, authByEmail, controller.signup)
    .post('/login', authByIp, authByEmail, controller.login)
    .post('/refresh', authByIp, controller.refresh)
    .post('/logout', authByIp, controller.logout)
    .get('/me', auth, controller.me)
    .get('/search/:accountNumber', auth, lookups, controller.findByAccountNumber)
    .get('/', auth, requireAdmin, controller.list)
    .get('/:id', auth, controller.get)
    .get('/:id/accounts', auth, controller.accounts)
    .put('/:id', auth, passwordChecks, controller.update)
    .delete('/:id', auth, controller.remove);
}
