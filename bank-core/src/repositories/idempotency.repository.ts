import type { Queryable } from '../db/database';

export interface IdempotencyRecord {
  requestHash: string;
  status: 'pending' | 'done';
  responseStatus: number | null;
  responseBody: unknown;
  /** Seconds since the key was claimed. */
  ageSeconds: number;
}

/** Claims the key for a new request; false when it is already known. */
export async function claimKey(db: Queryable, userId: string, key: string, requestHash: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [userId, key, requestHash],
  );
  return rowCount > 0;
}

export async function findKey(db: Queryable, userId: string, key: string): Promise<IdempotencyRecord | undefined> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT request_hash, status, response_status, response_body,
       extract(epoch FROM now() - created_at)::float8 AS age_seconds
     FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [userId, key],
  );
  const row = rows[0];
  return (
    row && {
      requestHash: row.request_hash as string,
      status: row.status as IdempotencyRecord['status'],
      responseStatus: row.response_status as number | null,
      responseBody: row.response_body,
      ageSeconds: Number(row.age_seconds),
    }
  );
}

/** Takes over a pending claim whose request died (older than `staleSeconds`); false when someone else did. */
export async function reclaimStaleKey(db: Queryable, userId: string, key: string, staleSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE idempotency_keys SET created_at = now()
     WHERE user_id = $1 AND key = $2 AND status = 'pending' AND created_at < now() - make_interval(secs => $3)`,
    [userId, key, staleSeconds],
  );
  return rowCount > 0;
}

export async function completeKey(db: Queryable, userId: string, key: string, status: number, body: unknown): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET status = 'done', response_status = $3, response_body = $4::jsonb WHERE user_id = $1 AND key = $2`,
    [userId, key, status, JSON.stringify(body)],
  );
}

/** Frees a key whose request failed, so the client may try again with it. */
export async function releaseKey(db: Queryable, userId: string, key: string): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 'pending'`, [userId, key]);
}

/** Deletes keys claimed more than `hours` ago; returns how many. */
export async function deleteKeysOlderThan(db: Queryable, hours: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [hours]);
  return rowCount;
}
