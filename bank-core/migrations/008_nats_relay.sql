-- The NATS JetStream relay (bank-core/src/services/nats-relay.service.ts, issue 10) publishes the outbox
-- events to a stream in feed order (outbox_feed.position, migration 005) and records here, per stream,
-- the position through which JetStream has acknowledged every event. It advances only after the acks:
-- a relay that dies between an ack and this row re-publishes from the saved position, and JetStream drops
-- the repeats by message id (the event id) within the stream's duplicate window.
-- One row per stream name (NATS_STREAM), so pointing bank-core at a new stream publishes the whole
-- outbox there from the start. Writers only move a position forward (GREATEST), so two relays that
-- overlap for a moment during a takeover can never move it back.
CREATE TABLE nats_relay_positions (
  stream     TEXT PRIMARY KEY,
  position   BIGINT NOT NULL CHECK (position >= 0),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
