import type { Queryable } from '../db/database';

/** The first answer to a request with an Idempotency-Key, kept so a repeat gets it again. */
export interface StoredAnswer {
  userId: string;
  key: string;
  status: number;
  body: unknown;
}

/**
 * Fills in the answers of keys that ledger_post_movements wrote with their movements (one statement for
 * many). A key's row is written in the money's own commit; its answer, made afterwards, lands here.
 */
export async function storeResponses(db: Queryable, answers: StoredAnswer[]): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys k SET response_status = v.status, response_body = v.body
     FROM unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[]) AS v(user_id, key, status, body)
     WHERE k.user_id = v.user_id AND k.key = v.key`,
    [answers.map((a) => a.userId), answers.map((a) => a.key), answers.map((a) => a.status), answers.map((a) => JSON.stringify(a.body))],
  );
}

/** Deletes stored answers older than `hours`; returns how many. The key stays on its transaction for ever. */
export async function deleteKeysOlderThan(db: Queryable, hours: number): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [hours]);
  return rowCount;
}
