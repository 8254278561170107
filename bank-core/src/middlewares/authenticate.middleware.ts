import type { RequestHandler, Request } from 'express';
import type { AccessClaims, AccessTokens } from '@bank/common';
import { AppError } from '../errors/app-error';
import type { SessionGuard } from '../services/session-guard';

/** Verifies the bearer token and that its login session is still live; 401 otherwise. */
export function authenticate(accessTokens: AccessTokens, sessionGuard: SessionGuard): RequestHandler {
  return async (req, _res, next) => {
    const verified = accessTokens.verifyHeader(req.get('authorization'));
    if ('rejected' in verified) throw new AppError({ code: 'UNAUTHORIZED', message: verified.rejected });
    const { claims } = verified;
    if (!(await sessionGuard.isActive(claims.sessionId, claims.userId))) {
      throw new AppError({ code: 'UNAUTHORIZED', message: 'Session has ended; log in again' });
    }
    req.auth = claims;
    next();
  };
}

export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (req.auth?.role !== 'admin') throw new AppError({ code: 'FORBIDDEN', message: 'Administrator role required' });
  next();
};

/** The verified caller; only for routes behind `authenticate`. */
export function caller(req: Request): AccessClaims {
  if (!req.auth) throw new AppError({ code: 'UNAUTHORIZED', message: 'Access token is missing or invalid' });
  return req.auth;
}
