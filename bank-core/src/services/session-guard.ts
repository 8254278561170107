import type { Queryable } from '../db/database';
import { isSessionActive } from '../repositories/session.repository';

/**
 * Answers "is this login session still live?" for every authenticated request. A live answer is
 * remembered for `cacheMs`, so a logout on another instance takes effect within that time while
 * most requests cost no query; on this instance `forget`/`forgetUser` make it take effect at once.
 */
export function createSessionGuard({ db, cacheMs }: { db: Queryable; cacheMs: number }) {
  const live = new Map<string, { until: number; userId: string }>();
  const MAX_ENTRIES = 100_000;

  return {
    async isActive(sessionId: string, userId: string): Promise<boolean> {
      const now = Date.now();
      if ((live.get(sessionId)?.until ?? 0) > now) return true;
      const active = await isSessionActive(db, sessionId);
      if (active) {
        if (live.size >= MAX_ENTRIES) live.clear();
        live.set(sessionId, { until: now + cacheMs, userId });
      } else {
        live.delete(sessionId);
      }
      return active;
    },
    forget(sessionId: string): void {
      live.delete(sessionId);
    },
    forgetUser(userId: string): void {
      for (const [sessionId, entry] of live) if (entry.userId === userId) live.delete(sessionId);
    },
  };
}

export type SessionGuard = ReturnType<typeof createSessionGuard>;
