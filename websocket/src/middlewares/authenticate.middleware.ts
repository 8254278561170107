import type { Request, RequestHandler } from 'express';
import type { AccessClaims, AccessTokens, Logger } from '@bank/common';
import { AppError } from '../errors/app-error';
import type { SessionChecker } from '../services/session-check.service';

/**
 * Verifies the bearer access token as bank-core does (same secret, issuer, audience) and asks
 * bank-core whether its session is live; 401 otherwise. When bank-core cannot answer (or its circuit
 * breaker is open), 503 SERVICE_UNAVAILABLE with Retry-After, as sockets are refused (see connection.ts);
 * an active answer cached in the last few seconds still serves. The role is
 * the user's current one as bank-core reports it, never the token's claim; a session seen as an admin's
 * is re-checked on every request, so a revoked admin loses the rights at once.
 */
export function authenticate({
  accessTokens,
  sessionChecker,
  logger,
}: {
  accessTokens: AccessTokens;
  sessionChecker: SessionChecker;
  logger: Logger;
}): RequestHandler {
  return async (req, _res, next) => {
    const verified = accessTokens.verifyHeader(req.get('authorization'));
    if ('rejected' in verified) throw new AppError({ code: 'UNAUTHORIZED', message: verified.rejected });
    const { claims } = verified;
    const fresh = sessionChecker.roleOf(claims.sessionId) === 'admin';
    const session = await sessionChecker.check(claims.sessionId, claims.userId, { fresh });
    if (session === 'inactive') throw new AppError({ code: 'UNAUTHORIZED', message: 'Session has ended; log in again' });
    if (session === 'unknown') {
      // Debug only, as for sockets: the session checker logs the cause, once per outage minute.
      logger.debug('bank-core could not confirm the session; refusing the request', { requestId: req.requestId });
      throw new AppError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'The bank cannot confirm your session right now; try again shortly',
        retryAfterSeconds: sessionChecker.retryAfterSeconds(),
      });
    }
    req.auth = { ...claims, role: sessionChecker.roleOf(claims.sessionId) ?? 'customer' };
    next();
  };
}

/** The verified caller; only for routes behind `authenticate`. */
export function caller(req: Request): AccessClaims {
  if (!req.auth) throw new AppError({ code: 'UNAUTHORIZED', message: 'Access token is missing or invalid' });
  return req.auth;
}
