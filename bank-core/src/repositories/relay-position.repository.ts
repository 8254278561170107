import type { Queryable } from '../db/database';
import type { FeedPosition } from './outbox.repository';

/** The feed position through which `stream` has acknowledged every event ('0' before the first). */
export async function loadRelayPosition(db: Queryable, stream: string): Promise<FeedPosition> {
  const { rows } = await db.query<{ position: string }>('SELECT position::text AS position FROM nats_relay_positions WHERE stream = $1', [
    stream,
  ]);
  return rows[0]?.position ?? '0';
}

/** Records that `stream` acknowledged every event through `position`; never moves a saved position back. */
export async function saveRelayPosition(db: Queryable, stream: string, position: FeedPosition): Promise<void> {
  await db.query(
    `INSERT INTO nats_relay_positions (stream, position) VALUES ($1, $2::bigint)
     ON CONFLICT (stream) DO UPDATE SET position = GREATEST(nats_relay_positions.position, EXCLUDED.position), updated_at = now()`,
    [stream, position],
  );
}

/**
 * Events in the feed that `stream` has not acknowledged yet: the newest position handed out minus the
 * saved one. Events committed but not yet given a position (milliseconds) are not counted.
 */
export async function unpublishedEvents(db: Queryable, stream: string): Promise<number> {
  const { rows } = await db.query<{ unpublished: string }>(
    `SELECT greatest(0, (SELECT coalesce(max(position), 0) FROM outbox_feed)
       - coalesce((SELECT position FROM nats_relay_positions WHERE stream = $1), 0))::text AS unpublished`,
    [stream],
  );
  return Number(rows[0]!.unpublished);
}
