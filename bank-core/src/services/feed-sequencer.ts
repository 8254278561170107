import { performance } from 'node:perf_hooks';
import type { Database } from '../db/database';
import * as outbox from '../repositories/outbox.repository';

// Positions given per sequencer run (one short transaction); a backlog takes several runs in a row.
const RUN_LIMIT = 1_000;
// Another instance's run holds the lock for a few milliseconds: look again this soon.
const BUSY_RETRY_MS = 2;
// Runs start at most this often, so under load each numbers several events instead of committing a
// transaction for one or two (measured at 300 postings/s over two instances: 3.1 events a run, 2.1
// without it), while a quiet instance still sequences a posting at once.
const MIN_RUN_INTERVAL_MS = 5;

const sleep = (ms: number) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : undefined);

/**
 * Gives committed outbox events their feed positions (migration 005's `outbox_feed_sequence`).
 * `catchUp()` resolves once a run that started after the call has finished, so every event committed
 * before the call has a position (from this instance's run or another's). One run at a time, at most
 * one every MIN_RUN_INTERVAL_MS: calls made meanwhile, and in the same turn of the event loop (a group
 * commit's postings all notify at once), share the next run. When another instance holds the
 * sequencer lock, this one looks again every BUSY_RETRY_MS for up to `busyRetryForMs`, then gives up:
 * the next catch-up (a feed reader's poll) covers it. `onSequenced` runs after every run that gave
 * out positions.
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
  let next: Promise<void> | undefined;
  let lastStarted = -Infinity;

  async function run(): Promise<void> {
    const giveUpAt = Date.now() + busyRetryForMs;
    for (;;) {
      const sequenced = await outbox.sequenceEvents(db, RUN_LIMIT);
      if (sequenced === null) {
        if (Date.now() >= giveUpAt) return;
        await sleep(BUSY_RETRY_MS);
        continue;
      }
      if (sequenced > 0) onSequenced();
      if (sequenced < RUN_LIMIT) return;
    }
  }

  function catchUp(): Promise<void> {
    // The next run reads only after every caller that joined it was made, so it sees their commits.
    next ??= new Promise((resolve) => setImmediate(resolve))
      .then(() => running?.catch(() => undefined))
      .then(() => sleep(lastStarted + MIN_RUN_INTERVAL_MS - performance.now()))
      .then(() => {
        next = undefined;
        lastStarted = performance.now();
        running = run().finally(() => {
          running = undefined;
        });
        return running;
      });
    return next;
  }

  return { catchUp };
}

export type FeedSequencer = ReturnType<typeof createFeedSequencer>;
