import type { TransactionPostedEvent } from '@bank/common';
import type { Queryable } from '../db/database';
import { BIGINT_MAX, isDecimalAtMost, XID8_MAX } from '../utils/integers';

/** A place in the feed: after the event written by transaction `txId` with outbox id `id`. */
export interface FeedPosition {
  txId: string;
  id: string;
}

export const FEED_START: FeedPosition = { txId: '0', id: '0' };

export const formatPosition = (position: FeedPosition) => `${position.txId}-${position.id}`;

/**
 * Undefined for anything that is not a position this feed could hand out: `<txId>-<id>`, the transaction id an
 * xid8 (0 to 2^64 - 1) and the event id a BIGINT (0 to 2^63 - 1). Out of range, the query would fail mid-stream.
 */
export function parsePosition(value: string | undefined): FeedPosition | undefined {
  const match = /^([0-9]{1,20})-([0-9]{1,19})$/.exec(value ?? '');
  if (!match || !isDecimalAtMost(match[1]!, XID8_MAX) || !isDecimalAtMost(match[2]!, BIGINT_MAX)) return undefined;
  return { txId: match[1]!, id: match[2]! };
}

/**
 * Events after `position`, in feed order, holding back every event whose transaction is not older
 * than the oldest transaction still running: one of those could still commit an event that sorts
 * before it, and a reader must never have passed a place where an event can still appear.
 */
export async function readEventsAfter(
  db: Queryable,
  position: FeedPosition,
  limit: number,
): Promise<{ position: FeedPosition; event: TransactionPostedEvent }[]> {
  const { rows } = await db.query<{ tx_id: string; id: unknown; payload: Record<string, unknown>; created_at: Date }>(
    `SELECT tx_id::text AS tx_id, id::text AS id, payload, created_at FROM outbox_events
     WHERE (tx_id, id) > ($1::xid8, $2::bigint) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY tx_id, id LIMIT $3`,
    [position.txId, position.id, limit],
  );
  return rows.map((row) => ({
    position: { txId: row.tx_id, id: String(row.id) },
    event: { ...row.payload, eventId: String(row.id), createdAt: row.created_at.toISOString() } as unknown as TransactionPostedEvent,
  }));
}

/** The position of the newest event a reader may already see: where a reader with no cursor starts. */
export async function currentPosition(db: Queryable): Promise<FeedPosition> {
  const { rows } = await db.query<{ tx_id: string; id: string }>(
    `SELECT tx_id::text AS tx_id, id::text AS id FROM outbox_events
     WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY tx_id DESC, id DESC LIMIT 1`,
  );
  return rows[0] ? { txId: rows[0].tx_id, id: rows[0].id } : FEED_START;
}
