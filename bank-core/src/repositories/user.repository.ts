import type { Role } from '@bank/common';
import type { Queryable } from '../db/database';
import { translateDbError } from './db-errors';

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}

export interface UserWithSecret extends User {
  passwordHash: string;
}

interface UserRow {
  [column: string]: unknown;
  id: string;
  name: string;
  email: string;
  role: Role;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, email, role, password_hash, created_at, updated_at';
const EMAIL_TAKEN = { '23505': { code: 'CONFLICT', message: 'An account with this email already exists' } } as const;

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, email: row.email, role: row.role, createdAt: row.created_at, updatedAt: row.updated_at };
}

function toUserWithSecret(row: UserRow): UserWithSecret {
  return { ...toUser(row), passwordHash: row.password_hash };
}

/** @throws CONFLICT when the email belongs to a live user. */
export async function insertUser(db: Queryable, user: { name: string; email: string; passwordHash: string }): Promise<User> {
  try {
    const { rows } = await db.query<UserRow>(`INSERT INTO users (name, email, password_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
      user.name,
      user.email,
      user.passwordHash,
    ]);
    return toUser(rows[0]!);
  } catch (error) {
    translateDbError(error, EMAIL_TAKEN);
  }
}

export async function findUserById(db: Queryable, id: string, options: { forUpdate?: boolean } = {}): Promise<UserWithSecret | undefined> {
  const { rows } = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] && toUserWithSecret(rows[0]);
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserWithSecret | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL`, [email]);
  return rows[0] && toUserWithSecret(rows[0]);
}

export interface UserListFilter {
  limit: number;
  after?: { createdAt: Date; id: string } | undefined;
  /** An email address or its beginning (lower case). */
  email?: string | undefined;
  /** Users who own the account with this number. */
  accountNumber?: string | undefined;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listUsers(db: Queryable, filter: UserListFilter): Promise<User[]> {
  const params: unknown[] = [];
  const add = (value: unknown) => `$${params.push(value)}`;
  const where = ['deleted_at IS NULL'];
  // LIKE's own wildcards in what staff typed are matched literally.
  if (filter.email !== undefined) where.push(`email LIKE ${add(`${filter.email.replace(/[\\%_]/g, '\\$&')}%`)}`);
  if (filter.accountNumber !== undefined) {
    where.push(`id IN (SELECT user_id FROM accounts WHERE account_number = ${add(filter.accountNumber)})`);
  }
  if (filter.after) where.push(`(created_at, id) < (${add(filter.after.createdAt)}, ${add(filter.after.id)})`);
  const { rows } = await db.query<UserRow>(
    `SELECT ${COLUMNS} FROM users WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${add(filter.limit)}`,
    params,
  );
  return rows.map(toUser);
}

/** @throws CONFLICT when the new email belongs to another live user. */
export async function updateUser(
  db: Queryable,
  id: string,
  changes: { name?: string; email?: string; passwordHash?: string },
): Promise<User | undefined> {
  try {
    const { rows } = await db.query<UserRow>(
      `UPDATE users SET name = COALESCE($2, name), email = COALESCE($3, email),
         password_hash = COALESCE($4, password_hash), updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.email ?? null, changes.passwordHash ?? null],
    );
    return rows[0] && toUser(rows[0]);
  } catch (error) {
    translateDbError(error, EMAIL_TAKEN);
  }
}

export async function setUserRole(db: Queryable, email: string, role: Role): Promise<User | undefined> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET role = $2, updated_at = now() WHERE email = $1 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
    [email, role],
  );
  return rows[0] && toUser(rows[0]);
}

/** Soft delete: the row stays for the ledger's sake, but its secret is wiped and it can no longer log in. */
export async function markUserDeleted(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE users SET deleted_at = now(), updated_at = now(), password_hash = '' WHERE id = $1`, [id]);
}
