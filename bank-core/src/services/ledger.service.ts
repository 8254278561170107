import { randomUUID } from 'node:crypto';
import type { Logger } from '@bank/common';
import { withRetries, type Database } from '../db/database';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError, notFound } from '../errors/app-error';
import * as movements from '../repositories/movement.repository';
import type { MovementOutcome, MovementRequest, MovementType } from '../repositories/movement.repository';
import type { LedgerTransaction } from '../repositories/ledger.repository';
import type { Posting } from '../utils/metrics';
import { createGroupCommit } from './group-commit';
import { keyForgotten, keyInProgress, keyUsedForOtherRequest } from './idempotency.service';
import { newReference } from './references';
import { reverseTransaction } from './reversal';

/** Who asked for a movement, and through which request (for the audit trail and the event). */
export interface Initiator {
  userId: string;
  requestId: string | null;
  /** The request's Idempotency-Key and its fingerprint, when it sent a key. */
  idempotency?: { key: string; fingerprint: string } | undefined;
}

export interface MovementInput {
  /** Minor units, > 0. */
  amount: number;
  narration?: string | undefined;
}

/** A committed movement, with the balance of the account the caller moved money in or out of. */
export interface Movement {
  transaction: LedgerTransaction;
  balanceAfter: number;
}

/** What a movement request came to: posted now, or (same Idempotency-Key) posted before. */
export type MovementResult =
  | { replayed: false; movement: Movement }
  /** `stored`: the first answer as stored, or null when it was never stored (rebuild it from the ledger). */
  | { replayed: true; stored: { status: number; body: unknown } | null };

// Postings per database call at most: big enough to amortize a commit, small enough that one batch's
// locks are held for a few milliseconds.
const MAX_BATCH = 200;
// Batches in flight at once. PostgreSQL: two, so one is prepared and sent while the other commits (more
// only contend on the same hot rows). PGlite has one connection.
const MAX_IN_FLIGHT = { pg: 2, pglite: 1 } as const;

/** A refused movement as the error a client gets (404/409/422), with what it needs to correct the request. */
function refusal(outcome: Exclude<MovementOutcome, { outcome: 'ok' } | { outcome: 'replay' }>, amount: number): AppError {
  const detail = outcome.detail ?? {};
  switch (outcome.outcome) {
    case 'in_progress':
      return keyInProgress();
    case 'key_mismatch':
      return keyUsedForOtherRequest();
    case 'key_used':
      return keyForgotten();
    case 'not_found':
      return notFound('Account');
    case 'closed':
      return new AppError({ code: 'CONFLICT', message: 'Account is closed' });
    case 'recipient_not_found':
      return notFound('Recipient account');
    case 'same_account':
      return new AppError({ code: 'UNPROCESSABLE', message: 'Cannot send money to the same account' });
    case 'currency_mismatch':
      return new AppError({
        code: 'UNPROCESSABLE',
        message: `Currency mismatch: ${String(detail.from)} account cannot send to a ${String(detail.to)} account`,
      });
    case 'insufficient_funds':
      return new AppError({
        code: 'INSUFFICIENT_FUNDS',
        message: 'Insufficient funds for this transaction',
        details: { accountNumber: detail.accountNumber, balance: detail.balance, amount },
      });
    case 'balance_out_of_range':
      return new AppError({
        code: 'UNPROCESSABLE',
        message: 'This transaction would take a balance past the largest amount an account can hold',
        details: { accountNumber: detail.accountNumber ?? null },
      });
  }
}

/**
 * Deposits, withdrawals and transfers, group-committed (`ledger_post_movements`, migration 007): a
 * request's accounts are resolved, locked in id order and checked inside the database call that posts it,
 * together with the other requests of its batch, so a movement costs one shared round trip and a share
 * of one commit; reversals are posted one by one (reversal.ts).
 */
export function createLedgerService({
  db,
  logger,
  onPosted,
}: {
  db: Database;
  logger: Logger;
  /** Called once per committed posting (never for a replayed Idempotency-Key): wakes the feed, counts it. */
  onPosted?: (posting: Posting) => void;
}) {
  /** Announces a committed posting; a failure here must not turn the committed posting into an error. */
  const announce = (posting: Posting) => {
    try {
      onPosted?.(posting);
    } catch (error) {
      logger.error('notifying the event feed failed', { error });
    }
  };

  const post = (requests: MovementRequest[]) => withRetries(() => movements.postMovements(db, requests));

  /**
   * A batch as one call; if that call fails for a reason of its own (not an unreachable database), each
   * request is written alone, so one bad request fails alone. When the database is unreachable the batch's
   * outcome is unknown: writing it again could post it twice, so every request fails (503) instead.
   */
  async function write(requests: MovementRequest[]): Promise<PromiseSettledResult<MovementOutcome>[]> {
    try {
      return (await post(requests)).map((value) => ({ status: 'fulfilled', value }));
    } catch (error) {
      if (isDatabaseUnavailable(error) || requests.length === 1) throw error;
      logger.warn('batch posting failed; writing its movements one by one', { size: requests.length, error });
      return Promise.allSettled(requests.map(async (request) => (await post([request]))[0]!));
    }
  }

  const groupCommit = createGroupCommit({ write, maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT[db.driver] });

  /**
   * @throws NOT_FOUND (account, recipient), CONFLICT (closed account, key in progress), UNPROCESSABLE
   * (same account, currencies, key reused, range), INSUFFICIENT_FUNDS; SERVICE_UNAVAILABLE from the database.
   */
  async function move(type: MovementType, initiator: Initiator, accountId: string, recipientNumber: string | null, input: MovementInput) {
    const request: MovementRequest = {
      id: randomUUID(),
      reference: newReference(),
      type,
      initiatedBy: initiator.userId,
      accountId,
      recipientNumber,
      amount: input.amount,
      narration: input.narration ?? null,
      requestId: initiator.requestId,
      idempotencyKey: initiator.idempotency?.key ?? null,
      requestHash: initiator.idempotency?.fingerprint ?? null,
    };
    const outcome = await groupCommit.submit(request);
    if (outcome.outcome === 'replay') return { replayed: true, stored: outcome.stored } satisfies MovementResult;
    if (outcome.outcome !== 'ok') throw refusal(outcome, input.amount);
    announce({ kind: type, currency: outcome.currency, amount: request.amount });
    const transaction: LedgerTransaction = {
      id: request.id,
      type,
      amount: request.amount,
      currency: outcome.currency,
      narration: request.narration,
      reference: request.reference,
      initiatedBy: request.initiatedBy,
      requestId: request.requestId,
      reversesId: null,
      idempotencyKey: request.idempotencyKey,
      reversedById: null,
      createdAt: outcome.createdAt,
      from: outcome.from,
      to: outcome.to,
    };
    return { replayed: false, movement: { transaction, balanceAfter: outcome.balanceAfter } } satisfies MovementResult;
  }

  return {
    /** Cash in to one of the caller's accounts. */
    deposit: (initiator: Initiator, input: MovementInput & { accountId: string }): Promise<MovementResult> =>
      move('deposit', initiator, input.accountId, null, input),

    /** Cash out of one of the caller's accounts. */
    withdraw: (initiator: Initiator, input: MovementInput & { accountId: string }): Promise<MovementResult> =>
      move('withdrawal', initiator, input.accountId, null, input),

    /** From one of the caller's accounts to another customer's account, by its number. */
    send: (initiator: Initiator, input: MovementInput & { fromAccountId: string; toAccountNumber: string }): Promise<MovementResult> =>
      move('transfer', initiator, input.fromAccountId, input.toAccountNumber, input),

    /**
     * Posts the mirror image of a transaction (admins only; the route checks the role), narrated
     * "Reversal of <reference>: <reason>". @see reverseTransaction
     */
    async reverse(initiator: Initiator, transactionId: string, reason: string): Promise<LedgerTransaction> {
      const reversal = await reverseTransaction(db, initiator, transactionId, reason);
      announce({ kind: 'reversal', currency: reversal.currency, amount: reversal.amount });
      return reversal;
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
