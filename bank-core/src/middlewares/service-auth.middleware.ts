import type { RequestHandler } from 'express';
import { bearerToken, type ServiceTokens } from '@bank/common';
import { AppError } from '../errors/app-error';

/** Lets only other services of this system in: a service token, never a user's access token. */
export function authenticateService(serviceTokens: ServiceTokens): RequestHandler {
  return (req, _res, next) => {
    if (!serviceTokens.verify(bearerToken(req.get('authorization')))) {
      throw new AppError({ code: 'UNAUTHORIZED', message: 'A service token is required' });
    }
    next();
  };
}
