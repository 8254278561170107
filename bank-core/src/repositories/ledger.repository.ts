import type { Queryable } from '../db/database';
import { toSafeInteger } from '../utils/integers';

export type TransactionType = 'deposit' | 'withdrawal' | 'transfer' | 'reversal';

/** A customer account as seen in a ledger movement: its number and its owner's name. */
export interface Party {
  accountNumber: string;
  name: string;
}

/** The columns of a transactions row that its writer chooses. */
export interface TransactionRecord {
  id: string;
  type: TransactionType;
  amount: number;
  currency: string;
  narration: string | null;
  reference: string;
  initiatedBy: string;
  requestId: string | null;
  reversesId: string | null;
  /** The Idempotency-Key of the request, unique per initiator for ever (migration 004). */
  idempotencyKey: string | null;
}

export interface LedgerTransaction extends TransactionRecord {
  reversedById: string | null;
  createdAt: Date;
  /** Where the money came from and went to; null stands for the outside world (cash in or out). */
  from: Party | null;
  to: Party | null;
}

/** An account as a posting sees it, with what the posting needs to know about its owner. */
export interface LedgerAccount {
  id: string;
  userId: string | null;
  kind: 'customer' | 'settlement';
  accountNumber: string;
  currency: string;
  status: 'open' | 'closed';
  balance: number;
  ownerName: string | null;
}

export interface Posting extends TransactionRecord {
  /** Signed minor units per account, summing to zero. */
  legs: { accountId: string; amount: number }[];
  /** The outbox event's body; `legs` aligned with the posting's legs, null for legs not published. */
  event: Record<string, unknown> & { legs: (Record<string, unknown> | null)[] };
}

export type PostingResult =
  | { ok: true; createdAt: Date; balancesAfter: number[] }
  /** `unavailable`: missing, closed or in another currency by the time it was locked. */
  | { ok: false; reason: PostingRefusal; accountId: string; balance?: number };

/**
 * Why a posting was refused under the account locks: `unavailable` (missing, closed or in another
 * currency by then), `insufficient_funds` (a customer account below zero), `balance_out_of_range`
 * (a balance past ±(2^53 - 1), the largest JavaScript reads exactly).
 */
export type PostingRefusal = 'unavailable' | 'insufficient_funds' | 'balance_out_of_range';

const REFUSAL_BY_SQLSTATE: Record<string, PostingRefusal> = {
  LD001: 'unavailable',
  LD002: 'insufficient_funds',
  LD003: 'balance_out_of_range',
};

type Row = Record<string, unknown>;

/** The outside world's account for a currency. */
export async function findSettlementAccountId(db: Queryable, currency: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM accounts WHERE kind = 'settlement' AND currency = $1`, [currency]);
  if (!rows[0]) throw new Error(`No settlement account for ${currency}: add one in a migration`);
  return rows[0].id;
}

const ACCOUNT_SELECT = `
  SELECT a.id, a.user_id, a.kind, a.account_number, a.currency, a.status, a.balance, u.name AS owner_name
  FROM accounts a LEFT JOIN users u ON u.id = a.user_id`;

function toLedgerAccount(row: Row): LedgerAccount {
  return {
    id: row.id as string,
    userId: row.user_id as string | null,
    kind: row.kind as LedgerAccount['kind'],
    accountNumber: row.account_number as string,
    currency: row.currency as string,
    status: row.status as LedgerAccount['status'],
    balance: toSafeInteger(row.balance),
    ownerName: row.owner_name as string | null,
  };
}

/**
 * Reads, without locking, the accounts a posting will touch (a reversal's). Owner, currency and kind
 * never change; status and balance are checked again under the lock when posting.
 */
export async function findPostingAccounts(db: Queryable, ids: string[]): Promise<LedgerAccount[]> {
  const { rows } = await db.query<Row>(`${ACCOUNT_SELECT} WHERE a.id = ANY($1::uuid[])`, [ids]);
  return rows.map(toLedgerAccount);
}

/**
 * Posts in one statement (the `ledger_post` database function): locks the accounts in id order,
 * re-checks them, writes balances, transaction, entries and outbox event. The deferred triggers
 * check the sums at commit.
 */
export async function postTransaction(db: Queryable, posting: Posting): Promise<PostingResult> {
  try {
    const { rows } = await db.query<{ created_at: Date; balances: unknown[] }>(
      `SELECT created_at, balances FROM ledger_post($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::uuid[], $12::bigint[], $13::jsonb)`,
      [
        posting.id,
        posting.type,
        posting.amount,
        posting.currency,
        posting.narration,
        posting.reference,
        posting.initiatedBy,
        posting.requestId,
        posting.reversesId,
        posting.idempotencyKey,
        posting.legs.map((leg) => leg.accountId),
        posting.legs.map((leg) => leg.amount),
        JSON.stringify(posting.event),
      ],
    );
    return { ok: true, createdAt: rows[0]!.created_at, balancesAfter: rows[0]!.balances.map(toSafeInteger) };
  } catch (error) {
    const { code, detail, hint } = error as { code?: string; detail?: string; hint?: string };
    const reason = code === undefined ? undefined : REFUSAL_BY_SQLSTATE[code];
    if (!reason) throw error;
    return { ok: false, reason, accountId: detail ?? '', ...(reason === 'insufficient_funds' ? { balance: Number(hint) } : {}) };
  }
}

const party = (value: unknown): Party | null => (value ? (value as Party) : null);

// Every read of a transaction shows the same fields, so one SELECT list serves them all.
const TRANSACTION_SELECT = `
  SELECT t.id, t.type, t.amount, t.currency, t.narration, t.reference, t.initiated_by, t.request_id, t.reverses_id, t.idempotency_key,
    t.created_at,
    (SELECT r.id FROM transactions r WHERE r.reverses_id = t.id) AS reversed_by_id,
    (SELECT jsonb_build_object('accountNumber', a.account_number, 'name', u.name)
       FROM entries e JOIN accounts a ON a.id = e.account_id JOIN users u ON u.id = a.user_id
      WHERE e.transaction_id = t.id AND e.amount < 0 LIMIT 1) AS from_party,
    (SELECT jsonb_build_object('accountNumber', a.account_number, 'name', u.name)
       FROM entries e JOIN accounts a ON a.id = e.account_id JOIN users u ON u.id = a.user_id
      WHERE e.transaction_id = t.id AND e.amount > 0 LIMIT 1) AS to_party
  FROM transactions t`;

function toTransaction(row: Row): LedgerTransaction {
  return {
    id: row.id as string,
    type: row.type as TransactionType,
    amount: toSafeInteger(row.amount),
    currency: row.currency as string,
    narration: row.narration as string | null,
    reference: row.reference as string,
    initiatedBy: row.initiated_by as string,
    requestId: row.request_id as string | null,
    reversesId: row.reverses_id as string | null,
    idempotencyKey: row.idempotency_key as string | null,
    reversedById: row.reversed_by_id as string | null,
    createdAt: row.created_at as Date,
    from: party(row.from_party),
    to: party(row.to_party),
  };
}

export function findTransaction(db: Queryable, id: string): Promise<LedgerTransaction | undefined> {
  return findTransactionWhere(db, 't.id = $1', [id]);
}

/** The one transaction matching `condition` (SQL over `t`, a unique key), or undefined. */
export async function findTransactionWhere(db: Queryable, condition: string, params: unknown[]): Promise<LedgerTransaction | undefined> {
  const { rows } = await db.query<Row>(`${TRANSACTION_SELECT} WHERE ${condition}`, params);
  return rows[0] && toTransaction(rows[0]);
}

/** The signed entries of a transaction, for reversing it. */
export async function findEntriesOf(db: Queryable, transactionId: string): Promise<{ accountId: string; amount: number }[]> {
  const { rows } = await db.query<Row>(`SELECT account_id, amount FROM entries WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
  return rows.map((row) => ({ accountId: row.account_id as string, amount: toSafeInteger(row.amount) }));
}

/** True when one of the transaction's accounts belongs to the user. */
export async function touchesUser(db: Queryable, transactionId: string, userId: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM entries e JOIN accounts a ON a.id = e.account_id WHERE e.transaction_id = $1 AND a.user_id = $2 LIMIT 1`,
    [transactionId, userId],
  );
  return rows.length > 0;
}

export interface TransactionFilter {
  /** Only transactions touching this user's accounts (customers always; admins when filtering). */
  userId?: string;
  accountId?: string;
  type?: TransactionType;
  from?: Date;
  to?: Date;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listTransactions(db: Queryable, filter: TransactionFilter): Promise<LedgerTransaction[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (value: unknown) => `$${params.push(value)}`;
  if (filter.userId) {
    where.push(
      `t.id IN (SELECT e.transaction_id FROM entries e JOIN accounts a ON a.id = e.account_id WHERE a.user_id = ${add(filter.userId)})`,
    );
  }
  if (filter.accountId) where.push(`t.id IN (SELECT transaction_id FROM entries WHERE account_id = ${add(filter.accountId)})`);
  if (filter.type) where.push(`t.type = ${add(filter.type)}`);
  if (filter.from) where.push(`t.created_at >= ${add(filter.from)}`);
  if (filter.to) where.push(`t.created_at < ${add(filter.to)}`);
  if (filter.after) where.push(`(t.created_at, t.id) < (${add(filter.after.createdAt)}, ${add(filter.after.id)}::uuid)`);
  const { rows } = await db.query<Row>(
    `${TRANSACTION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY t.created_at DESC, t.id DESC LIMIT ${add(filter.limit)}`,
    params,
  );
  return rows.map(toTransaction);
}
