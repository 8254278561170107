import type { Queryable } from '../db/database';

export interface IdempotencyRecord {
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
}

/**
 * Writes the key inside the money's own transaction, before the money moves. A concurrent attempt with
 * the same key waits here on the primary key until this transaction ends (bounded by the lock timeout),
 * then fails with a unique violation if it committed: two attempts can never both commit.
 */
export async function insertKey(db: Queryable, userId: string, key: string, requestHash: string): Promise<void> {
  await db.query(`INSERT INTO idempotency_keys (user_id, key, request_hash, status) VALUES ($1, $2, $3, 'done')`, [
    userId,
    key,
    requestHash,
  ]);
}

/** The stored first response of a key, in the same transaction that wrote the key. */
export async function storeResponse(db: Queryable, userId: string, key: string, status: number, body: unknown): Promise<void> {
  await db.query(`UPDATE idempotency_keys SET response_status = $3, response_body = $4::jsonb WHERE user_id = $1 AND key = $2`, [
    userId,
    key,
    status,
    JSON.stringify(body),
  ]);
}

/** A key's committed record; every committed record has its response (both are written in one transaction). */
export async function findKey(db: Queryable, userId: string, key: string): Promise<IdempotencyRecord | undefined> {
  const { rows } = await db.query<{ request_hash: string; response_status: number; response_body: unknown }>(
    `SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [userId, key],
  );
  const row = rows[0];
  return row && { requestHash: row.request_hash, responseStatus: row.response_status, responseBody: row.response_body };
}

/** Deletes stored responses older than `hours`; returns how many. The key stays on its transaction for ever. */
export async function deleteKeysOlderThan(db: Queryable, hours: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [hours]);
  return rowCount;
}
