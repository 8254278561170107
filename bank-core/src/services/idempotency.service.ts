import { createHash } from 'node:crypto';
import type { Database, Transaction } from '../db/database';
import { AppError } from '../errors/app-error';
import * as keys from '../repositories/idempotency.repository';

/** A claim left pending this long belongs to a request that died; a retry may take it over. */
const STALE_PENDING_SECONDS = 60;
/** Keys are promised for at least 24 hours; kept twice that so a client's clock or retry queue has slack. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 48;

export interface IdempotentResponse {
  status: number;
  body: unknown;
  /** True when this is the stored first response, not a new execution. */
  replayed: boolean;
}

/** Stable fingerprint of what the request asked for: the same key with another request is refused. */
export function requestFingerprint(operation: string, input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, input]))
    .digest('hex');
}

/**
 * Runs money-moving requests at most once per (user, Idempotency-Key). The stored response is
 * written in the same database transaction as the money, so either both exist or neither does.
 */
export function createIdempotencyService({ db }: { db: Database }) {
  /**
   * @throws UNPROCESSABLE when the key was used for a different request, CONFLICT while the first
   * request with the key is still running.
   */
  async function run(
    scope: { userId: string; key: string; fingerprint: string },
    work: (tx: Transaction) => Promise<{ status: number; body: unknown }>,
  ): Promise<IdempotentResponse> {
    const { userId, key, fingerprint } = scope;
    if (!(await keys.claimKey(db, userId, key, fingerprint))) {
      const existing = await keys.findKey(db, userId, key);
      if (existing) {
        if (existing.requestHash !== fingerprint) {
          throw new AppError({ code: 'UNPROCESSABLE', message: 'This Idempotency-Key was already used for a different request' });
        }
        if (existing.status === 'done') return { status: existing.responseStatus!, body: existing.responseBody, replayed: true };
      }
      // Pending (or released a moment ago): another request holds it unless it died long ago.
      const takenOver = existing
        ? await keys.reclaimStaleKey(db, userId, key, STALE_PENDING_SECONDS)
        : await keys.claimKey(db, userId, key, fingerprint);
      if (!takenOver) {
        throw new AppError({ code: 'CONFLICT', message: 'A request with this Idempotency-Key is still in progress', retryAfterSeconds: 1 });
      }
    }
    try {
      const response = await db.transaction(async (tx) => {
        const result = await work(tx);
        await keys.completeKey(tx, userId, key, result.status, result.body);
        return result;
      });
      return { ...response, replayed: false };
    } catch (error) {
      // A refused request moved nothing: free the key so a corrected retry can use it.
      await keys.releaseKey(db, userId, key).catch(() => undefined);
      throw error;
    }
  }

  return {
    run,
    /** Forgets keys older than the retention period (server.ts runs this hourly). */
    purgeExpired: () => keys.deleteKeysOlderThan(db, IDEMPOTENCY_KEY_TTL_HOURS),
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
