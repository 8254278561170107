import type { Queryable } from '../db/database';
import { toSafeInteger } from '../utils/integers';
import type { Party, TransactionType } from './ledger.repository';

/** One line of an account's history: an entry, seen from that account. */
export interface HistoryEntry {
  entryId: number;
  transactionId: string;
  type: TransactionType;
  /** Signed for this account: negative when money left it. */
  amount: number;
  balanceAfter: number;
  currency: string;
  counterparty: Party | null;
  narration: string | null;
  reference: string;
  createdAt: Date;
}

export interface HistoryFilter {
  type?: TransactionType;
  from?: Date;
  to?: Date;
  /** Entries strictly older (smaller id) than this one. */
  beforeEntryId?: number;
  /** Entries strictly newer than this one (statements page forwards). */
  afterEntryId?: number;
  order: 'newest' | 'oldest';
  limit: number;
}

type Row = Record<string, unknown>;

/**
 * Entries of one account. Keyset on the entry id: entries of an account are written under its row
 * lock, so ids follow commit order and a page boundary stays put while new entries arrive.
 */
export async function listEntries(db: Queryable, accountId: string, filter: HistoryFilter): Promise<HistoryEntry[]> {
  const params: unknown[] = [accountId];
  const add = (value: unknown) => `$${params.push(value)}`;
  const where = ['e.account_id = $1'];
  if (filter.type) where.push(`t.type = ${add(filter.type)}`);
  if (filter.from) where.push(`e.created_at >= ${add(filter.from)}`);
  if (filter.to) where.push(`e.created_at < ${add(filter.to)}`);
  if (filter.beforeEntryId !== undefined) where.push(`e.id < ${add(filter.beforeEntryId)}`);
  if (filter.afterEntryId !== undefined) where.push(`e.id > ${add(filter.afterEntryId)}`);
  const { rows } = await db.query<Row>(
    `SELECT e.id, e.transaction_id, t.type, e.amount, e.balance_after, t.currency, t.narration, t.reference, e.created_at,
       cp.counterparty
     FROM entries e
     JOIN transactions t ON t.id = e.transaction_id
     LEFT JOIN LATERAL (
       SELECT jsonb_build_object('accountNumber', a.account_number, 'name', u.name) AS counterparty
       FROM entries o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = a.user_id
       WHERE o.transaction_id = e.transaction_id AND o.account_id <> e.account_id
       LIMIT 1
     ) cp ON true
     WHERE ${where.join(' AND ')}
     ORDER BY e.id ${filter.order === 'newest' ? 'DESC' : 'ASC'}
     LIMIT ${add(filter.limit)}`,
    params,
  );
  return rows.map((row) => ({
    entryId: toSafeInteger(row.id),
    transactionId: row.transaction_id as string,
    type: row.type as TransactionType,
    amount: toSafeInteger(row.amount),
    balanceAfter: toSafeInteger(row.balance_after),
    currency: row.currency as string,
    counterparty: (row.counterparty as Party | null) ?? null,
    narration: row.narration as string | null,
    reference: row.reference as string,
    createdAt: row.created_at as Date,
  }));
}

/** The account's balance just before `at`: the balance after its last earlier entry, or 0. */
export async function balanceBefore(db: Queryable, accountId: string, at: Date): Promise<number> {
  const { rows } = await db.query<{ balance_after: unknown }>(
    `SELECT balance_after FROM entries WHERE account_id = $1 AND created_at < $2 ORDER BY id DESC LIMIT 1`,
    [accountId, at],
  );
  return rows[0] ? toSafeInteger(rows[0].balance_after) : 0;
}
