import type { Queryable } from '../db/database';
import { toSafeInteger } from '../utils/integers';

export type AccountStatus = 'open' | 'closed';

export interface Account {
  id: string;
  userId: string;
  accountNumber: string;
  currency: string;
  /** Minor units (kobo, cents). */
  balance: number;
  description: string;
  status: AccountStatus;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

interface AccountRow {
  [column: string]: unknown;
  id: string;
  user_id: string;
  account_number: string;
  currency: string;
  balance: unknown;
  description: string;
  status: AccountStatus;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

const ACCOUNT_COLUMNS = 'id, user_id, account_number, currency, balance, description, status, created_at, updated_at, closed_at';

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    userId: row.user_id,
    accountNumber: row.account_number,
    currency: row.currency,
    balance: toSafeInteger(row.balance),
    description: row.description,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}

/** Inserts the account, or returns undefined when its number is already taken (without aborting the transaction). */
export async function insertAccountUnlessNumberTaken(
  db: Queryable,
  account: { userId: string; accountNumber: string; currency: string; description: string },
): Promise<Account | undefined> {
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO accounts (user_id, account_number, currency, description) VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_number) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
    [account.userId, account.accountNumber, account.currency, account.description],
  );
  return rows[0] && toAccount(rows[0]);
}

/** The account only when `userId` owns it, so a stranger's account and a missing one look the same. */
export async function findOwnedAccount(
  db: Queryable,
  id: string,
  userId: string,
  options: { forUpdate?: boolean } = {},
): Promise<Account | undefined> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 AND user_id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id, userId],
  );
  return rows[0] && toAccount(rows[0]);
}

/** What a statement names: the account, its holder and its opening date. */
export interface StatementAccount {
  id: string;
  accountNumber: string;
  currency: string;
  description: string;
  holderName: string;
  createdAt: Date;
}

/** A customer account with its holder's name; only when `ownerId` owns it, unless `ownerId` is undefined (staff). */
export async function findStatementAccount(db: Queryable, id: string, ownerId: string | undefined): Promise<StatementAccount | undefined> {
  const { rows } = await db.query<{
    id: string;
    account_number: string;
    currency: string;
    description: string;
    name: string;
    created_at: Date;
  }>(
    `SELECT a.id, a.account_number, a.currency, a.description, u.name, a.created_at
     FROM accounts a JOIN users u ON u.id = a.user_id
     WHERE a.id = $1 AND a.kind = 'customer' AND ($2::uuid IS NULL OR a.user_id = $2::uuid)`,
    [id, ownerId ?? null],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      accountNumber: row.account_number,
      currency: row.currency,
      description: row.description,
      holderName: row.name,
      createdAt: row.created_at,
    }
  );
}

export async function customerAccountExists(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM accounts WHERE id = $1 AND kind = 'customer'`, [id]);
  return rows.length > 0;
}

export async function listAccountsOfUser(db: Queryable, userId: string): Promise<Account[]> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1 ORDER BY created_at, id`, [
    userId,
  ]);
  return rows.map(toAccount);
}

/**
 * Every account of the user, locked in id order: the order ledger_post locks accounts in, so a check of
 * balances or status made here cannot be overtaken by a posting (and the two cannot deadlock).
 */
export async function lockAccountsOfUser(db: Queryable, userId: string): Promise<Account[]> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1 ORDER BY id FOR UPDATE`, [
    userId,
  ]);
  return rows.map(toAccount);
}

export async function countOpenAccounts(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM accounts WHERE user_id = $1 AND status = 'open'`, [userId]);
  return toSafeInteger(rows[0]!.n);
}

/** Name of the live owner of an open account, for confirming a recipient before sending. */
export async function findRecipient(db: Queryable, accountNumber: string): Promise<{ accountNumber: string; name: string } | undefined> {
  const { rows } = await db.query<{ account_number: string; name: string }>(
    `SELECT a.account_number, u.name FROM accounts a JOIN users u ON u.id = a.user_id
     WHERE a.account_number = $1 AND a.status = 'open' AND u.deleted_at IS NULL`,
    [accountNumber],
  );
  return rows[0] && { accountNumber: rows[0].account_number, name: rows[0].name };
}

/** Undefined when the account is not the user's or is closed. */
export async function updateOpenAccountDescription(
  db: Queryable,
  id: string,
  userId: string,
  description: string,
): Promise<Account | undefined> {
  const { rows } = await db.query<AccountRow>(
    `UPDATE accounts SET description = $3, updated_at = now() WHERE id = $1 AND user_id = $2 AND status = 'open'
     RETURNING ${ACCOUNT_COLUMNS}`,
    [id, userId, description],
  );
  return rows[0] && toAccount(rows[0]);
}

export async function closeAccount(db: Queryable, id: string): Promise<Account> {
  const { rows } = await db.query<AccountRow>(
    `UPDATE accounts SET status = 'closed', closed_at = now(), updated_at = now() WHERE id = $1 RETURNING ${ACCOUNT_COLUMNS}`,
    [id],
  );
  return toAccount(rows[0]!);
}

/** Closes every open account of a user and returns how many were closed. */
export async function closeAccountsOfUser(db: Queryable, userId: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE accounts SET status = 'closed', closed_at = now(), updated_at = now() WHERE user_id = $1 AND status = 'open'`,
    [userId],
  );
  return rowCount;
}
