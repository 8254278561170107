import { createHash } from 'node:crypto';
import { sqlState, type Database, type Transaction } from '../db/database';
import { DatabaseUnavailableError } from '../db/unavailable';
import { AppError } from '../errors/app-error';
import * as keys from '../repositories/idempotency.repository';

/** Stored responses are promised for at least 24 hours; kept twice that so a client's clock or retry queue has slack. */
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

const IN_PROGRESS = () =>
  new AppError({ code: 'CONFLICT', message: 'A request with this Idempotency-Key is still in progress', retryAfterSeconds: 1 });
const OTHER_REQUEST = () =>
  new AppError({ code: 'UNPROCESSABLE', message: 'This Idempotency-Key was already used for a different request' });
const FORGOTTEN = () =>
  new AppError({
    code: 'UNPROCESSABLE',
    message: `This Idempotency-Key already moved money more than ${IDEMPOTENCY_KEY_TTL_HOURS} hours ago; its response is no longer kept`,
  });

/** Thrown inside the transaction when another attempt committed the key first. */
class KeyTaken extends Error {}

/**
 * Runs money-moving requests at most once per (user, Idempotency-Key). The key, the money and the stored
 * response are written in ONE database transaction: there is no claim that outlives its attempt, so a
 * retry after a crash, a timeout or a dropped connection gets its definitive answer at once, and an
 * attempt still running blocks every other attempt with its key (they answer 409 after the lock timeout)
 * instead of handing the key over. The key is also written on the transaction row under a unique index
 * (migration 004), so it can never move money twice, even after its stored response is purged.
 */
export function createIdempotencyService({ db }: { db: Database }) {
  function replay(stored: keys.IdempotencyRecord, fingerprint: string): IdempotentResponse {
    if (stored.requestHash !== fingerprint) throw OTHER_REQUEST();
    return { status: stored.responseStatus, body: stored.responseBody, replayed: true };
  }

  /** Writes the key first, turning "another attempt holds it" into a 409 and "it committed first" into KeyTaken. */
  async function claimInside(tx: Transaction, userId: string, key: string, fingerprint: string): Promise<void> {
    try {
      await keys.insertKey(tx, userId, key, fingerprint);
    } catch (error) {
      if (sqlState(error) === '23505') throw new KeyTaken();
      if (error instanceof DatabaseUnavailableError && error.sqlState === '55P03') throw IN_PROGRESS();
      throw error;
    }
  }

  /**
   * @param work moves the money inside `tx` and returns the response to store.
   * @throws UNPROCESSABLE when the key was used for a different request (or moved money longer ago than
   * responses are kept), CONFLICT while another request with the key is running; whatever `work` throws
   * (nothing is stored then, so a corrected retry may use the key).
   */
  async function run(
    scope: { userId: string; key: string; fingerprint: string },
    work: (tx: Transaction) => Promise<{ status: number; body: unknown }>,
  ): Promise<IdempotentResponse> {
    const { userId, key, fingerprint } = scope;
    const stored = await keys.findKey(db, userId, key);
    if (stored) return replay(stored, fingerprint);
    try {
      const response = await db.transaction(async (tx) => {
        await claimInside(tx, userId, key, fingerprint);
        const result = await work(tx);
        await keys.storeResponse(tx, userId, key, result.status, result.body);
        return result;
      });
      return { ...response, replayed: false };
    } catch (error) {
      if (error instanceof KeyTaken) {
        const winner = await keys.findKey(db, userId, key);
        if (!winner) throw IN_PROGRESS(); // committed and purged in between: practically never; a retry settles it
        return replay(winner, fingerprint);
      }
      if (sqlState(error) === '23505' && (error as { constraint?: string }).constraint === 'transactions_idempotency_key')
        throw FORGOTTEN();
      throw error;
    }
  }

  return {
    run,
    /** Forgets stored responses older than the retention period (server.ts runs this hourly). */
    purgeExpired: () => keys.deleteKeysOlderThan(db, IDEMPOTENCY_KEY_TTL_HOURS),
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
