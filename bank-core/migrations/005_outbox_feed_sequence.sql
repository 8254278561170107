-- The event feed's order is assigned after commit, by a sequencer (issue 11).
--
-- Until now (002) the feed handed out only events whose writing transaction was older than the
-- snapshot's xmin, ordered by (tx_id, id). That xmin is the whole server's: any transaction left open
-- anywhere on the PostgreSQL server, in another database too, held every live event back for as long
-- as it stayed open. It also did not keep one account's events in commit order when the later posting
-- had taken its transaction id before waiting for the account's lock (an idempotent request's
-- transaction writes its key first): (tx_id, id) put the later event first.
--
-- Now postings insert their outbox rows exactly as before, with no position, and nothing is added to
-- the posting transaction. The sequencer, outbox_feed_sequence() below, gives the committed rows that
-- have none the next positions, in outbox id order, in one short transaction; readers read
-- `position > cursor ORDER BY position`. Any bank-core instance may run it: a transaction-scoped
-- advisory lock, taken with pg_try_advisory_xact_lock, lets one run at a time (the others skip), and
-- each run commits before the next one starts. Hence:
--   - positions are dense (1, 2, 3, ...) and become visible in order: a reader that sees N+1 sees N,
--     so a reader never passes a place where an event can still appear, and nothing is handed out twice;
--   - one account's events are in commit order: a posting inserts its outbox row after it has locked its
--     accounts (ledger_post, ledger_post_batch), so of two events of one account the later one has the
--     larger outbox id and is visible only once the earlier one is; each run reads in one snapshot and
--     numbers what it found in id order. WRITERS MUST KEEP THIS: the outbox row is inserted after the
--     posting's account locks, in the same transaction.
--   - the feed waits for nothing but its own sequencer: an open transaction elsewhere, in this database
--     or another, delays no event; a posting still running delays only its own event.
-- A later relay (e.g. to a message broker) is one more reader of these positions.
--
-- Logical decoding would also give commit order, but needs wal_level=logical and a replication slot
-- (the default server, CI's included, runs wal_level=replica) and does not exist in embedded PGlite.

-- Insert-only: one small row per event. No foreign key to outbox_events: the check would take a
-- KEY SHARE lock on each outbox row, writing to its page; the sequencer only inserts ids it just read.
CREATE TABLE outbox_feed (
  position  BIGINT PRIMARY KEY,
  outbox_id BIGINT NOT NULL UNIQUE
);

-- Outbox ids below the highest one sequenced that were not visible when the sequencer passed them:
-- their transaction was still running (they show up within milliseconds, and are sequenced then), or
-- it rolled back (they never will). A range is dropped once every id in it has a position, or once
-- every transaction that could still commit a row into it has ended. `horizon` is the transaction id of
-- the sequencer run that saw the gap, taken after its read: a writer takes its transaction id (with its
-- account locks) before it draws its outbox id, so every writer that can hold an id in the gap has a
-- smaller one, and once the oldest running transaction (the snapshot's xmin) is no older than the
-- horizon, a row that is still not visible never will be. (Not the snapshot's xmax: that is one past
-- the newest *completed* transaction, and a writer still running can be at or above it.)
-- Gaps are few and short-lived, so finding late rows costs an index probe per gap, not a scan.
CREATE TABLE outbox_feed_gaps (
  first_id BIGINT PRIMARY KEY,
  last_id  BIGINT NOT NULL CHECK (last_id >= first_id),
  horizon  XID8 NOT NULL
);

-- Sequences up to p_limit new outbox rows (plus any that committed late into a gap) and returns how
-- many got a position; NULL when another session holds the sequencer lock (it runs now: try again
-- shortly). Call it outside an explicit transaction (or commit right after), so the lock is held for
-- this run only. 7245005: any constant, the same for every instance (migrations use 7245001).
-- The gap table holds a handful of rows but its statistics cannot say so (it empties and refills all
-- the time): measured, the planner then joined it by scanning all of outbox_events (or the whole
-- feed) on every run, and JIT-compiled that plan, 150-300 ms a run at 100,000 events. So the gaps
-- drive a LATERAL probe of the primary keys, and hash and merge joins and JIT are off in here.
CREATE FUNCTION outbox_feed_sequence(p_limit INTEGER) RETURNS INTEGER LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS $$
DECLARE
  v_xmin XID8;
  v_last_position BIGINT;
  v_last_id BIGINT;
  v_ids BIGINT[];
BEGIN
  IF NOT pg_try_advisory_xact_lock(7245005) THEN
    RETURN NULL;
  END IF;
  -- Each statement below takes a new snapshot (READ COMMITTED), so it sees the previous run's commit.
  -- The xmin is read before the rows: a gap retired with it cannot receive a row this run misses.
  v_xmin := pg_snapshot_xmin(pg_current_snapshot());
  SELECT coalesce(max(position), 0), coalesce(max(outbox_id), 0) INTO v_last_position, v_last_id FROM outbox_feed;

  -- Late rows and new rows in ONE snapshot: of two events of one account, the later one can then
  -- never be taken without the earlier.
  SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO v_ids FROM (
    SELECT late.id FROM outbox_feed_gaps g CROSS JOIN LATERAL (
      SELECT o.id FROM outbox_events o
      WHERE o.id BETWEEN g.first_id AND g.last_id AND NOT EXISTS (SELECT 1 FROM outbox_feed f WHERE f.outbox_id = o.id)
      OFFSET 0) late
    UNION
    (SELECT id FROM outbox_events WHERE id > v_last_id ORDER BY id LIMIT p_limit)
  ) found;

  INSERT INTO outbox_feed (position, outbox_id)
    SELECT v_last_position + u.n, u.id FROM unnest(v_ids) WITH ORDINALITY AS u(id, n);

  -- New gaps: ids passed over between the new rows (late rows are all below v_last_id). This run has
  -- its transaction id by now (from the INSERT above), so it is the horizon.
  INSERT INTO outbox_feed_gaps (first_id, last_id, horizon)
    SELECT prev + 1, id - 1, pg_current_xact_id()
    FROM (SELECT u.id, lag(u.id, 1, v_last_id) OVER (ORDER BY u.id) AS prev FROM unnest(v_ids) AS u(id) WHERE u.id > v_last_id) fresh
    WHERE id > prev + 1;

  DELETE FROM outbox_feed_gaps g
    WHERE g.horizon <= v_xmin
       OR (SELECT count(*) FROM outbox_feed f WHERE f.outbox_id BETWEEN g.first_id AND g.last_id) = g.last_id - g.first_id + 1;

  RETURN cardinality(v_ids);
END $$;

-- The events written before this migration keep the order the old feed handed them out in: every row
-- below the old fence (tx_id < xmin), by (tx_id, id). A reader holding an old position `<tx_id>-<id>`
-- has seen exactly the rows up to it in that order, so it resumes after that row's position, exactly.
-- Rows above the fence (still being written by instances not yet upgraded) are left to the sequencer,
-- with the ids passed over recorded as gaps.
INSERT INTO outbox_feed (position, outbox_id)
  SELECT row_number() OVER (ORDER BY tx_id, id), id FROM outbox_events
  WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot());

INSERT INTO outbox_feed_gaps (first_id, last_id, horizon)
  SELECT prev + 1, outbox_id - 1, pg_current_xact_id()
  FROM (SELECT outbox_id, lag(outbox_id, 1, 0::BIGINT) OVER (ORDER BY outbox_id) AS prev FROM outbox_feed) backfilled
  WHERE outbox_id > prev + 1;

-- Where the backfill ends: old positions of rows past it were handed out by an instance not yet
-- upgraded, after this migration, and resume at the earliest position that can follow them (at least
-- once: readers drop repeats by eventId). outbox_events.tx_id, its index and this table stay only to
-- resume old positions; a later migration can drop them once no reader holds one.
CREATE TABLE outbox_feed_legacy (
  backfilled_through BIGINT NOT NULL
);
INSERT INTO outbox_feed_legacy SELECT coalesce(max(position), 0) FROM outbox_feed;
