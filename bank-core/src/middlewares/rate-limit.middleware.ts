import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../errors/app-error';

const WINDOW_MS = 60_000;

/** Where a limiter named `name` counts: Redis shared by every instance (rate-limit-store.ts), or undefined for this process's memory. */
export type RateLimitStores = (name: string) => Store | undefined;

/**
 * A fixed-window limiter that answers 429 in the common error shape. Counters live in `store` (shared
 * by every instance with REDIS_URL set), else in this process, where N instances allow N times the limit.
 */
export function limitPerMinute(limit: number, keyOf: (req: Request) => string | undefined, what: string, store?: Store): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    store,
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
/** Per user, only for requests whose body carries `currentPassword` (a password guess); others are not limited here. */
export const byUserCheckingPassword = (req: Request) =>
  (req.body as { currentPassword?: unknown } | undefined)?.currentPassword === undefined ? undefined : `user:${byUser(req)}`;
