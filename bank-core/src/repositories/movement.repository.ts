import type { Queryable } from '../db/database';
import { toSafeInteger } from '../utils/integers';
import { findTransactionWhere, type LedgerTransaction, type Party } from './ledger.repository';

export type MovementType = 'deposit' | 'withdrawal' | 'transfer';

/** A customer's request to move money, as ledger_post_movements (migration 007) takes it. */
export interface MovementRequest {
  /** The transaction's id and reference, chosen by the caller. */
  id: string;
  reference: string;
  type: MovementType;
  initiatedBy: string;
  /** The initiator's account: credited by a deposit, debited by a withdrawal or a transfer. */
  accountId: string;
  /** Transfers: the recipient's account number. */
  recipientNumber: string | null;
  /** Minor units, > 0. */
  amount: number;
  narration: string | null;
  requestId: string | null;
  /** The Idempotency-Key and the fingerprint of the request, or both null. */
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** Why ledger_post_movements refused a movement (see its comment for each). */
export type MovementRefusal =
  | 'in_progress'
  | 'key_mismatch'
  | 'key_used'
  | 'not_found'
  | 'closed'
  | 'recipient_not_found'
  | 'same_account'
  | 'currency_mismatch'
  | 'insufficient_funds'
  | 'balance_out_of_range';

export type MovementOutcome =
  | { outcome: 'ok'; createdAt: Date; currency: string; balanceAfter: number; from: Party | null; to: Party | null }
  /** The key already moved money; `stored` is its stored answer, or null when not stored yet. */
  | { outcome: 'replay'; stored: { status: number; body: unknown } | null }
  | { outcome: MovementRefusal; detail: Record<string, unknown> | null };

interface OutcomeRow {
  [column: string]: unknown;
  o_outcome: string;
  o_created_at: Date;
  o_currency: string | null;
  o_balance: unknown;
  o_from: Party | null;
  o_to: Party | null;
  o_detail: Record<string, unknown> | null;
}

/**
 * Writes a batch of movements in one call and one commit (`ledger_post_movements`), each accepted or
 * refused on its own, in order, exactly as one after another.
 * @returns one outcome per request, in the same order.
 */
export async function postMovements(db: Queryable, requests: MovementRequest[]): Promise<MovementOutcome[]> {
  const column = <K extends keyof MovementRequest>(key: K) => requests.map((request) => request[key]);
  const { rows } = await db.query<OutcomeRow>(
    `SELECT * FROM ledger_post_movements($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::bigint[],
       $8::text[], $9::text[], $10::text[], $11::text[])`,
    [
      column('id'),
      column('reference'),
      column('type'),
      column('initiatedBy'),
      column('accountId'),
      column('recipientNumber'),
      column('amount'),
      column('narration'),
      column('requestId'),
      column('idempotencyKey'),
      column('requestHash'),
    ],
  );
  return rows.map((row): MovementOutcome => {
    if (row.o_outcome === 'ok') {
      return {
        outcome: 'ok',
        createdAt: row.o_created_at,
        currency: row.o_currency!,
        balanceAfter: toSafeInteger(row.o_balance),
        from: row.o_from,
        to: row.o_to,
      };
    }
    if (row.o_outcome === 'replay') {
      const stored = row.o_detail as { status: number | null; body: unknown } | null;
      return { outcome: 'replay', stored: stored?.status ? { status: stored.status, body: stored.body } : null };
    }
    return { outcome: row.o_outcome as MovementRefusal, detail: row.o_detail };
  });
}

/**
 * The movement an Idempotency-Key made, with the balance the initiator's account had after it (the
 * credited one for a deposit, the debited one otherwise): what its answer said, rebuilt from the ledger
 * for a replay whose stored answer was never written (the process ended between commit and storing it).
 */
export async function findMovementByKey(
  db: Queryable,
  userId: string,
  key: string,
): Promise<{ transaction: LedgerTransaction; balanceAfter: number } | undefined> {
  const transaction = await findTransactionWhere(db, 't.initiated_by = $1 AND t.idempotency_key = $2', [userId, key]);
  if (!transaction) return undefined;
  const { rows } = await db.query<{ balance_after: unknown }>(
    `SELECT e.balance_after FROM entries e JOIN accounts a ON a.id = e.account_id
     WHERE e.transaction_id = $1 AND a.user_id = $2 AND (e.amount > 0) = ($3 = 'deposit') ORDER BY e.id LIMIT 1`,
    [transaction.id, userId, transaction.type],
  );
  return rows[0] && { transaction, balanceAfter: toSafeInteger(rows[0].balance_after) };
}
