import type { Database } from '../db/database';
import * as outbox from '../repositories/outbox.repository';

// Positions given per sequencer run (one short transaction); a backlog takes several runs in a row.
const RUN_LIMIT = 1_000;
// Another instance's run holds the lock for a few milliseconds: look again this soon.
const BUSY_RETRY_MS = 2;

/**
 * Gives committed outbox events their feed positions (migration 005's `outbox_feed_sequence`).
 * `catchUp()` resolves once a run that started after the call has finished, so every event committed
 * before the call has a position (from this instance's run or another's). Calls made while a run is
 * under way share one more run after it. When another instance holds the sequencer lock, this one
 * looks again every BUSY_RETRY_MS for up to `busyRetryForMs`, then gives up: the next catch-up
 * (a feed reader's poll) covers it. `onSequenced` runs after every run that gave out positions.
 */
export function createFeedSequencer({
  db,
  busyRetryForMs,
  onSequenced,
}: {
  db: Database;
  busyRetryForMs: number;
  onSequenced: () => void;
}) {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  async function run(): Promise<void> {
    const giveUpAt = Date.now() + busyRetryForMs;
    for (;;) {
      const sequenced = await outbox.sequenceEvents(db, RUN_LIMIT);
      if (sequenced === null) {
        if (Date.now() >= giveUpAt) return;
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
        continue;
      }
      if (sequenced > 0) onSequenced();
      if (sequenced < RUN_LIMIT) return;
    }
  }

  function catchUp(): Promise<void> {
    if (!running) {
      running = run().finally(() => {
        running = undefined;
      });
      return running;
    }
    // The run under way may have read before the caller's events committed: one more after it.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return catchUp();
      });
    return queued;
  }

  return { catchUp };
}

export type FeedSequencer = ReturnType<typeof createFeedSequencer>;
