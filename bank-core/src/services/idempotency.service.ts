import { createHash } from 'node:crypto';
import type { Logger } from '@bank/common';
import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import * as keys from '../repositories/idempotency.repository';
import { createGroupCommit } from './group-commit';

/** Stored answers are promised for at least 24 hours; kept twice that so a client's clock or retry queue has slack. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 48;

/** Stable fingerprint of what the request asked for: the same key with another request is refused. */
export function requestFingerprint(operation: string, input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, input]))
    .digest('hex');
}

/** Another request with the key is running now: it is not handed over; the client retries shortly. */
export const keyInProgress = () =>
  new AppError({ code: 'CONFLICT', message: 'A request with this Idempotency-Key is still in progress', retryAfterSeconds: 1 });
export const keyUsedForOtherRequest = () =>
  new AppError({ code: 'UNPROCESSABLE', message: 'This Idempotency-Key was already used for a different request' });
export const keyForgotten = () =>
  new AppError({
    code: 'UNPROCESSABLE',
    message: `This Idempotency-Key already moved money more than ${IDEMPOTENCY_KEY_TTL_HOURS} hours ago; its response is no longer kept`,
  });

const MAX_BATCH = 200;

/**
 * An Idempotency-Key moves money at most once, ever. The key itself is written in the movement's own
 * commit (ledger_post_movements, migration 007), on its idempotency_keys row and on the ledger
 * transaction under a unique index; there is no claim that outlives its attempt, so a retry after a
 * crash, a timeout or a dropped connection gets its definitive answer at once, and a key in use by a
 * running attempt answers 409 instead of being handed over. This service keeps the first answer, so a
 * repeat gets it again, and forgets answers after the retention period.
 */
export function createIdempotencyService({ db, logger }: { db: Database; logger: Logger }) {
  const store = createGroupCommit({
    write: async (answers: keys.StoredAnswer[]) => {
      await keys.storeResponses(db, answers);
      return answers.map(() => ({ status: 'fulfilled' as const, value: undefined }));
    },
    maxBatch: MAX_BATCH,
    maxInFlight: 1,
  });

  return {
    /**
     * Keeps the first answer of a key whose movement has committed. Never throws: if it cannot be stored
     * (the database went away after the commit), a repeat rebuilds the same answer from the ledger, and a
     * committed movement must not turn into an error.
     */
    async storeResponse(answer: keys.StoredAnswer): Promise<void> {
      await store.submit(answer).catch((error: unknown) => logger.warn('storing an idempotent answer failed', { error }));
    },
    /** Forgets stored answers older than the retention period (server.ts runs this hourly). */
    purgeExpired: () => keys.deleteKeysOlderThan(db, IDEMPOTENCY_KEY_TTL_HOURS),
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
