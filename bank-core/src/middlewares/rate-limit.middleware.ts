import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AppError } from '../errors/app-error';

const WINDOW_MS = 60_000;

/**
 * A fixed-window limiter that answers 429 in the common error shape. Counters live in this
 * process; several instances each enforce the limit (a shared store is a later concern).
 */
export function limitPerMinute(limit: number, keyOf: (req: Request) => string | undefined, what: string): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Requests without a key (e.g. no email in the body) are left to validation.
    skip: (req) => keyOf(req) === undefined,
    keyGenerator: (req) => keyOf(req) ?? '',
    handler: (_req, res, next) =>
      next(
        new AppError({
          code: 'RATE_LIMITED',
          message: `Too many ${what}; try again later`,
          retryAfterSeconds: Number(res.getHeader('retry-after')) || Math.ceil(WINDOW_MS / 1000),
        }),
      ),
  });
}

export const byIp = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
export const byUser = (req: Request) => req.auth?.userId ?? ipKeyGenerator(req.ip ?? 'unknown');
export const byEmail = (req: Request) => {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? `email:${email.trim().toLowerCase()}` : undefined;
};
