import type { TransactionPostedEvent } from '@bank/common';
import type { Database } from '../db/database';
import * as outbox from '../repositories/outbox.repository';
import type { FeedPosition } from '../repositories/outbox.repository';

const BATCH_SIZE = 200;

/**
 * Streams committed outbox events to readers (the websocket service). Postings on this instance
 * wake the readers at once; `pollMs` bounds the delay for events committed by other instances.
 */
export function createEventFeed({ db, pollMs }: { db: Database; pollMs: number }) {
  const sleepers = new Set<() => void>();
  // Aborted at shutdown so open streams end and the HTTP server can close.
  const closing = new AbortController();

  /** Resolves after `ms`, when a posting commits here, or when `signal` aborts. */
  function nap(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  return {
    /** Ends every open stream (shutdown). */
    close(): void {
      closing.abort();
    },

    /** Called after every committed posting. */
    notify: (): void => {
      for (const wake of [...sleepers]) wake();
    },

    /** Where a reader without a cursor starts: after everything already visible. */
    currentPosition: () => outbox.currentPosition(db),

    /** Batches of events after `position`, forever, until `signal` aborts. */
    async *read(position: FeedPosition, reader: AbortSignal): AsyncGenerator<{ position: FeedPosition; event: TransactionPostedEvent }[]> {
      const signal = AbortSignal.any([reader, closing.signal]);
      while (!signal.aborted) {
        const batch = await outbox.readEventsAfter(db, position, BATCH_SIZE);
        if (batch.length > 0) {
          position = batch[batch.length - 1]!.position;
          yield batch;
        }
        if (batch.length < BATCH_SIZE) await nap(pollMs, signal);
      }
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
