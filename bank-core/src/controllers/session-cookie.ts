import type { CookieOptions, Request, Response } from 'express';
import type { TokenPair } from '../services/auth.service';
import { parse } from '../utils/parse';
import { refreshBody, refreshDeliveryHeaders } from '../validations/user.validation';

/** The refresh-token cookie a browser keeps: httpOnly, so no script of the page can read it. */
export const REFRESH_COOKIE = 'bank_refresh';
// Sent only to the session endpoints (login, refresh, logout), never with ordinary API calls.
const COOKIE_PATH = '/api/users';

export interface SessionCookieSettings {
  /** Secure cookies (HTTPS only): on in production. */
  secure: boolean;
  /** Lifetime of a refresh token (seconds), so the cookie ends with it. */
  refreshTtlSeconds: number;
}

/**
 * The refresh token for browsers travels in an httpOnly, SameSite=Strict cookie; API clients
 * (scripts, Swagger) keep it in the JSON body. A browser asks for the cookie with the request header
 * `X-Refresh-Token-Delivery: cookie`, and a refresh or logout that came with the cookie answers
 * through it again. SameSite=Strict keeps other sites from making the browser send it.
 */
export function createSessionCookies(settings: SessionCookieSettings) {
  const options = (): CookieOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secure,
    path: COOKIE_PATH,
  });

  /** @throws VALIDATION for an unknown X-Refresh-Token-Delivery value. */
  const wantsCookie = (req: Request) =>
    parse(refreshDeliveryHeaders, { 'x-refresh-token-delivery': req.get('x-refresh-token-delivery') }, 'headers')[
      'x-refresh-token-delivery'
    ] === 'cookie';

  return {
    wantsCookie,

    /**
     * The refresh token of a refresh or logout request: the body's when it has one, else the cookie's.
     * @throws VALIDATION for a malformed body.
     */
    presented(req: Request): { refreshToken: string | undefined; fromCookie: boolean } {
      const body = parse(refreshBody, req.body, 'body');
      if (body.refreshToken !== undefined) return { refreshToken: body.refreshToken, fromCookie: false };
      const cookie = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
      return typeof cookie === 'string' && cookie.length > 0 && cookie.length <= 200
        ? { refreshToken: cookie, fromCookie: true }
        : { refreshToken: undefined, fromCookie: false };
    },

    /** Answers a new token pair: the refresh token in the cookie (and not the body) when `cookie`. */
    sendPair(res: Response, pair: TokenPair, cookie: boolean): void {
      if (!cookie) {
        res.json(pair);
        return;
      }
      const { refreshToken, ...rest } = pair;
      res.cookie(REFRESH_COOKIE, refreshToken, { ...options(), maxAge: settings.refreshTtlSeconds * 1000 });
      res.json(rest);
    },

    clear(res: Response): void {
      res.clearCookie(REFRESH_COOKIE, options());
    },
  };
}

export type SessionCookies = ReturnType<typeof createSessionCookies>;
