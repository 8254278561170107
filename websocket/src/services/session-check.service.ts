import type { Logger, Role, ServiceTokens } from '@bank/common';
import { createThrottledWarning } from '../utils/throttled-warning';
import { BankCoreUnavailableError, type BankCoreBreaker } from './bank-core-breaker';

/**
 * `unknown`: bank-core could not say (unreachable, timed out, an answer we cannot read, or the circuit
 * breaker is open). Callers refuse what they cannot confirm (see sockets/connection.ts).
 */
export type SessionState = 'active' | 'inactive' | 'unknown';

const REQUEST_TIMEOUT_MS = 3_000;
// A service token lives five minutes; reusing one for a minute saves signing one per check.
const SERVICE_TOKEN_REUSE_MS = 60_000;

/**
 * Asks bank-core whether a login session is still live (`POST /internal/sessions/check`), so a
 * logout or a revoked refresh family also ends this service's sockets. Active answers are kept for
 * `cacheMs` so bursts of HTTP reads do not each cost a round trip. Every call goes through `breaker`: a
 * failed call counts towards opening it, and while it is open the answer is `unknown` at once.
 */
export function createSessionChecker({
  bankCoreUrl,
  serviceTokens,
  logger,
  cacheMs,
  breaker,
}: {
  bankCoreUrl: string;
  serviceTokens: ServiceTokens;
  logger: Logger;
  cacheMs: number;
  breaker: BankCoreBreaker;
}) {
  const url = `${bankCoreUrl}/internal/sessions/check`;
  const activeUntil = new Map<string, { until: number; userId: string }>();
  // The role bank-core last reported for each live session: the user's role now, not the token's.
  const roles = new Map<string, Role>();
  const MAX_CACHED = 100_000;
  // When bank-core last announced the end of a session (by id) or of all of a user's (`user:<id>`): an
  // "active" answer to a question asked before that is stale, so a socket authenticating while its
  // session ends is refused rather than left open until the next sweep.
  const endedAt = new Map<string, number>();
  let token: { value: string; until: number } | undefined;

  function serviceToken(): string {
    const now = Date.now();
    if (!token || token.until <= now) token = { value: serviceTokens.sign('websocket'), until: now + SERVICE_TOKEN_REUSE_MS };
    return token.value;
  }

  // While bank-core is down every socket's re-check fails the same way: one line per minute says so.
  const warnRefusedFast = createThrottledWarning(logger, 'session checks answered unknown: the bank-core circuit breaker is open');

  /** One check; rejects when bank-core gave no usable answer, which the breaker counts as a failure. */
  async function request(sessionId: string, userId: string): Promise<{ active: boolean; role?: unknown }> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken()}` },
      body: JSON.stringify({ sessionId, userId }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => undefined)) as { active?: unknown; role?: unknown } | undefined;
    if (!response.ok || typeof body?.active !== 'boolean') throw new Error(`session check answered ${response.status}`);
    return { active: body.active, role: body.role };
  }

  async function ask(sessionId: string, userId: string): Promise<SessionState> {
    try {
      const { active, role } = await breaker.run(() => request(sessionId, userId));
      if (active && (role === 'admin' || role === 'customer')) roles.set(sessionId, role);
      else roles.delete(sessionId);
      return active ? 'active' : 'inactive';
    } catch (error) {
      if (error instanceof BankCoreUnavailableError) warnRefusedFast();
      else logger.warn('session check failed: bank-core could not answer', { url, error: (error as Error).message });
      return 'unknown';
    }
  }

  return {
    /** `fresh` skips the cache (the periodic re-check must see revocations). Never throws. */
    async check(sessionId: string, userId: string, { fresh = false }: { fresh?: boolean } = {}): Promise<SessionState> {
      const now = Date.now();
      if (!fresh && (activeUntil.get(sessionId)?.until ?? 0) > now) return 'active';
      let state = await ask(sessionId, userId);
      if (state === 'active' && Math.max(endedAt.get(sessionId) ?? 0, endedAt.get(`user:${userId}`) ?? 0) >= now) state = 'inactive';
      if (state === 'active') {
        if (activeUntil.size >= MAX_CACHED) activeUntil.clear();
        activeUntil.set(sessionId, { until: now + cacheMs, userId });
      } else {
        activeUntil.delete(sessionId);
        roles.delete(sessionId);
      }
      if (roles.size > MAX_CACHED) roles.clear();
      return state;
    },
    /**
     * Forgets a session's cached answer (or every session of `userId`) because bank-core announced a change;
     * `ended` also marks answers to questions asked before now as stale (a role change does not).
     */
    forget({ sessionId, userId }: { sessionId?: string; userId: string }, { ended }: { ended: boolean }): void {
      for (const [id, entry] of activeUntil) {
        if (sessionId ? id === sessionId : entry.userId === userId) activeUntil.delete(id);
      }
      if (!ended) return;
      const now = Date.now();
      // A question still unanswered after REQUEST_TIMEOUT_MS has failed anyway: older marks can go.
      for (const [key, at] of endedAt) if (at < now - 2 * REQUEST_TIMEOUT_MS) endedAt.delete(key);
      if (endedAt.size < MAX_CACHED) endedAt.set(sessionId ?? `user:${userId}`, now);
    },
    /** Forgets every cached answer (announcements may have been missed). */
    forgetAll(): void {
      activeUntil.clear();
    },
    /**
     * The user's current role as bank-core last reported it for this session; undefined when bank-core
     * has not answered (callers then grant no more than a customer's rights).
     */
    roleOf(sessionId: string): Role | undefined {
      return roles.get(sessionId);
    },
    /** After an `unknown` answer: seconds until bank-core is worth asking again (the breaker's next trial). */
    retryAfterSeconds: () => breaker.retryAfterSeconds(),
  };
}

export type SessionChecker = ReturnType<typeof createSessionChecker>;
