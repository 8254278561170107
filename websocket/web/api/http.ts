import { describe } from './errors';
import type { TokenAnswer } from './types';

/** One error type for every failed call: bank-core's error body, its X-Request-Id, or a network failure. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId: string | null,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The request never got an answer (offline, DNS, connection cut). */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

/** What the page reports for a failure the customer saw (errors.txt, with the request id). */
export interface FailureReport {
  kind: 'api' | 'network';
  method: string;
  path: string;
  status: number;
  code: string;
  message: string;
  requestId: string | null;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Sent as Idempotency-Key: the same key for every retry of one intent (api/bank.ts makes them). */
  idempotencyKey?: string;
  /** Leave out the access token (sign-in, sign-up). */
  anonymous?: boolean;
  headers?: Record<string, string>;
}

/**
 * A non-secret hint, in localStorage, that this browser signed in and has not signed out since: only then may
 * a refresh cookie exist. Shared by the tabs of this origin; a storage failure (private mode) means "ask".
 */
const sessionHint = {
  get(): boolean {
    try {
      return localStorage.getItem('bank-signed-in') !== 'no';
    } catch {
      return true;
    }
  },
  set(signedIn: boolean): void {
    try {
      localStorage.setItem('bank-signed-in', signedIn ? 'yes' : 'no');
    } catch {
      // Without storage the page simply asks bank-core each time.
    }
  },
};

/**
 * The page's one client for bank-core, on this origin (`/api/...`, forwarded by the websocket
 * service). The access token lives only in this object's memory; the refresh token is an httpOnly
 * cookie the page cannot read. A 401 refreshes once (one refresh at a time across every tab of this
 * origin, through a Web Lock, because each refresh spends the cookie's token) and retries.
 */
export function createHttpClient({ onFailure }: { onFailure: (report: FailureReport) => void }) {
  let accessToken: string | null = null;
  let refreshing: Promise<boolean> | null = null;

  async function raw(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(path, { ...init, cache: 'no-store', credentials: 'same-origin' });
    } catch {
      throw new ApiError('Cannot reach the bank. Check your connection and try again.', 0, 'NETWORK', null);
    }
  }

  /**
   * Trades the refresh cookie for a new access token; false when there is no live session. Without the
   * "signed in" hint (no sign-in on this browser since the last sign-out) it does not ask at all: the cookie
   * is httpOnly, so the page cannot see whether one exists, and asking while signed out is a refused request.
   */
  function refresh(): Promise<boolean> {
    if (!sessionHint.get()) return Promise.resolve(false);
    refreshing ??= (async () => {
      const run = async () => {
        const res = await raw('/api/users/refresh', { method: 'POST', headers: { 'X-Refresh-Token-Delivery': 'cookie' } });
        if (!res.ok) {
          // 400 (no cookie) and 401 (an ended session) both mean signed out; other failures may pass.
          if (res.status === 400 || res.status === 401) sessionHint.set(false);
          return false;
        }
        accessToken = ((await res.json()) as TokenAnswer).token;
        sessionHint.set(true);
        return true;
      };
      try {
        return navigator.locks ? await navigator.locks.request('bank-session-refresh', run) : await run();
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  /**
   * Calls bank-core and answers the parsed JSON (undefined for 204), or the Response itself with `asResponse`.
   * @throws ApiError for any refusal or network failure; each is also reported through onFailure.
   */
  async function request<T>(path: string, options: RequestOptions = {}, asResponse = false): Promise<T> {
    const { method = 'GET', body, query, idempotencyKey, anonymous = false } = options;
    const extraHeaders = options.headers ?? {};
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') search.set(key, String(value));
    const url = search.size ? `${path}?${search}` : path;
    const send = () => {
      const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (!anonymous && accessToken) headers.Authorization = `Bearer ${accessToken}`;
      if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
      return raw(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    };
    const report = (error: ApiError) => {
      onFailure({
        kind: error.isNetwork ? 'network' : 'api',
        method,
        path,
        status: error.status,
        code: error.code,
        message: error.message,
        requestId: error.requestId,
      });
      return error;
    };
    let res: Response;
    try {
      res = await send();
      if (res.status === 401 && !anonymous && (await refresh())) res = await send();
    } catch (error) {
      throw error instanceof ApiError ? report(error) : error;
    }
    if (!res.ok) {
      const parsed = describe(await res.json().catch(() => null), res.status);
      throw report(new ApiError(parsed.message, res.status, parsed.code, res.headers.get('X-Request-Id'), parsed.details));
    }
    if (asResponse) return res as T;
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  return {
    request,
    refresh,
    /** Stores the access token of a fresh sign-in (null: signed out), and the "signed in" hint with it. */
    setToken(token: string | null) {
      accessToken = token;
      sessionHint.set(token !== null);
    },
    get token() {
      return accessToken;
    },
  };
}

export type HttpClient = ReturnType<typeof createHttpClient>;
