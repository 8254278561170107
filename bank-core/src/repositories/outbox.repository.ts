import type { TransactionPostedEvent } from '@bank/common';
import type { Queryable } from '../db/database';

/**
 * A place in the feed: after the event at this position (decimal digits of a BIGINT, 0 = before the
 * first). Positions are given by the sequencer (migration 005) after commit, dense and in order.
 */
export type FeedPosition = string;

export interface FeedEvent {
  position: FeedPosition;
  event: TransactionPostedEvent;
}

/**
 * One sequencer run (migration 005's `outbox_feed_sequence`): gives up to `limit` committed outbox
 * events without a position, plus any that committed late into a gap, the next positions.
 * @returns how many got one, or null when another instance holds the sequencer lock (it runs now).
 */
export async function sequenceEvents(db: Queryable, limit: number): Promise<number | null> {
  const { rows } = await db.query<{ sequenced: number | null }>('SELECT outbox_feed_sequence($1) AS sequenced', [limit]);
  return rows[0]!.sequenced;
}

/** Up to `limit` events after `position`, in feed order. */
export async function readEventsAfter(db: Queryable, position: FeedPosition, limit: number): Promise<FeedEvent[]> {
  const { rows } = await db.query<{ position: string; id: string; payload: Record<string, unknown>; created_at: Date }>(
    `SELECT f.position::text AS position, o.id::text AS id, o.payload, o.created_at
     FROM outbox_feed f JOIN outbox_events o ON o.id = f.outbox_id
     WHERE f.position > $1::bigint ORDER BY f.position LIMIT $2`,
    [position, limit],
  );
  return rows.map((row) => ({
    position: row.position,
    event: { ...row.payload, eventId: row.id, createdAt: row.created_at.toISOString() } as unknown as TransactionPostedEvent,
  }));
}

/** The newest position handed out so far ('0' while there is none). */
export async function lastPosition(db: Queryable): Promise<FeedPosition> {
  const { rows } = await db.query<{ position: string }>('SELECT coalesce(max(position), 0)::text AS position FROM outbox_feed');
  return rows[0]!.position;
}

/**
 * Where a reader holding a position of the feed before migration 005 (`<tx_id>-<id>`, the event's
 * writing transaction and outbox id) resumes: exactly after that event when it was written before the
 * migration (the migration numbered those in the old order); for one handed out afterwards by an
 * instance not yet upgraded, before the first event that sorted after it in the old order (at least
 * once). Undefined when no such event exists. Both numbers must be in their types' range.
 */
export async function legacyPosition(db: Queryable, txId: string, id: string): Promise<FeedPosition | undefined> {
  const { rows } = await db.query<{ position: string | null; backfilled: boolean }>(
    `SELECT f.position::text AS position, f.position <= l.backfilled_through AS backfilled
     FROM outbox_events o LEFT JOIN outbox_feed f ON f.outbox_id = o.id CROSS JOIN outbox_feed_legacy l
     WHERE o.id = $2::bigint AND o.tx_id = $1::xid8`,
    [txId, id],
  );
  const [row] = rows;
  if (!row) return undefined;
  if (row.backfilled) return row.position!;
  const after = await db.query<{ position: string }>(
    `SELECT coalesce(min(f.position) - 1, (SELECT max(position) FROM outbox_feed), 0)::text AS position
     FROM outbox_events o JOIN outbox_feed f ON f.outbox_id = o.id
     WHERE (o.tx_id, o.id) > ($1::xid8, $2::bigint)`,
    [txId, id],
  );
  return after.rows[0]!.position;
}
