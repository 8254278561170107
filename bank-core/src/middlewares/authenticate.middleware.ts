import type { RequestHandler, Request } from 'express';
import type { AccessClaims, AccessTokens } from '@bank/common';
import { AppError } from '../errors/app-error';
import type { SessionGuard } from '../services/session-guard';

/** Verifies the bearer token and that its login session is still live (401 otherwise), and takes the user's current role. */
export function authenticate(accessTokens: AccessTokens, sessionGuard: SessionGuard): RequestHandler {
  return async (req, _res, next) => {
    const verified = accessTokens.verifyHeader(req.get('authorization'));
    if ('rejected' in verified) throw new AppError({ code: 'UNAUTHORIZED', message: verified.rejected });
    const { claims } = verified;
    const access = await sessionGuard.access(claims.sessionId, claims.userId);
    if (!access.active) throw new AppError({ code: 'UNAUTHORIZED', message: 'Session has ended; log in again' });
    // The role the user has now, not the one written into the token when it was issued.
    req.auth = { ...claims, role: access.role };
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
