import type pg from 'pg';

/** The outbox's event ids in feed order (migration 005's positions): what the relay must publish, in order. */
export async function feedOrder(db: pg.Client): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT o.id::text AS id FROM outbox_feed f JOIN outbox_events o ON o.id = f.outbox_id ORDER BY f.position',
  );
  return rows.map((row) => row.id);
}

/** The ids of the events that moved money of `userId`'s accounts, in feed order: what the owner's sockets must get. */
export async function eventsOfOwner(db: pg.Client, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT o.id::text AS id FROM outbox_feed f JOIN outbox_events o ON o.id = f.outbox_id
     WHERE o.payload->'legs' @> jsonb_build_array(jsonb_build_object('userId', $1::text)) ORDER BY f.position`,
    [userId],
  );
  return rows.map((row) => row.id);
}

/** Whether every committed outbox event has its feed position yet (the sequencer runs just after commit). */
export async function allSequenced(db: pg.Client): Promise<boolean> {
  const { rows } = await db.query<{ done: boolean }>(
    'SELECT (SELECT count(*) FROM outbox_events) = (SELECT count(*) FROM outbox_feed) AS done',
  );
  return rows[0]!.done;
}
