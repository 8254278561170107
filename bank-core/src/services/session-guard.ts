import type { Role, SessionEndNotice, SessionEndPublisher } from '@bank/common';
import type { Database } from '../db/database';
import { findSessionAccess } from '../repositories/session.repository';

/** The channel migration 004's triggers notify on: `{ userId, sessionId? }` whenever access changes. */
export const ACCESS_CHANGES_CHANNEL = 'bank_access_changes';

const MAX_ENTRIES = 100_000;

export type SessionAccess = { active: false } | { active: true; role: Role };

/**
 * Answers "is this login session still live, and with which role?" for every authenticated request,
 * from the database's current state: a logout, a revoked token family, a deleted user or a role change
 * applies to access tokens already issued. Answers are cached for `cacheMs`, but only while this
 * instance is listening to ACCESS_CHANGES_CHANNEL: every instance then drops a session or user the
 * moment the change commits, wherever it was made (another instance, make-admin, an operator's SQL).
 * While the listener is down nothing is cached, so a change can never be missed.
 *
 * With REDIS_URL set, the service that ended a session also publishes it (`ended`), and every instance
 * subscribed to Redis drops it too (`dropped`): the path to the websocket service, and a second one
 * between bank-core instances where NOTIFY does not reach (e.g. a pooler in transaction mode).
 */
export function createSessionGuard({ db, cacheMs, publish }: { db: Database; cacheMs: number; publish?: SessionEndPublisher }) {
  const cache = new Map<string, { until: number; userId: string; role: Role }>();
  let listening = false;
  // Bumped by every change notice: an answer read before a notice arrived must not be cached after it.
  let epoch = 0;

  function forgetUser(userId: string): void {
    for (const [sessionId, entry] of cache) if (entry.userId === userId) cache.delete(sessionId);
  }

  /** A change announced by another path (NOTIFY or Redis): drop the session, or all of the user's. */
  function dropped(change: { userId?: string; sessionId?: string }): void {
    epoch += 1;
    if (change.sessionId) cache.delete(change.sessionId);
    else if (change.userId) forgetUser(change.userId);
  }

  // Database.close() ends the listener with the rest of the database.
  void db
    .listen(ACCESS_CHANGES_CHANNEL, {
      message(payload) {
        epoch += 1;
        try {
          const change = JSON.parse(payload) as { userId?: unknown; sessionId?: unknown };
          if (typeof change.sessionId === 'string') cache.delete(change.sessionId);
          if (typeof change.userId === 'string') forgetUser(change.userId);
        } catch {
          cache.clear();
        }
      },
      connected() {
        epoch += 1;
        cache.clear();
        listening = true;
      },
      disconnected() {
        epoch += 1;
        listening = false;
        cache.clear();
      },
    })
    .catch(() => undefined); // not listening: every request asks the database

  return {
    /** @throws SERVICE_UNAVAILABLE (DatabaseUnavailableError) when the database cannot answer. */
    async access(sessionId: string, userId: string): Promise<SessionAccess> {
      const now = Date.now();
      const cached = cache.get(sessionId);
      if (cached && cached.until > now && cached.userId === userId) return { active: true, role: cached.role };
      const asked = epoch;
      const access = await findSessionAccess(db, sessionId, userId);
      if (!access) {
        cache.delete(sessionId);
        return { active: false };
      }
      if (listening && epoch === asked) {
        if (cache.size >= MAX_ENTRIES) cache.clear();
        cache.set(sessionId, { until: now + cacheMs, userId, role: access.role });
      }
      return { active: true, role: access.role };
    },
    /**
     * After the change has committed: drops the session (or every session of the user) here at once and
     * announces it on Redis when configured (the NOTIFY of migration 004 reaches the other instances anyway).
     */
    async ended(notice: SessionEndNotice): Promise<void> {
      dropped(notice);
      await publish?.(notice);
    },
    dropped,
  };
}

export type SessionGuard = ReturnType<typeof createSessionGuard>;
