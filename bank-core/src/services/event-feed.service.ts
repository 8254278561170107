import type { Logger } from '@bank/common';
import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import * as outbox from '../repositories/outbox.repository';
import type { FeedEvent, FeedPosition } from '../repositories/outbox.repository';
import { isAfter, parsePosition } from './feed-position';
import { createFeedSequencer } from './feed-sequencer';

const BATCH_SIZE = 200;

/** Where a reader's position came from (`headers.last-event-id` or `query.after`), for the error's details. */
export interface GivenPosition {
  value: string;
  path: string;
}

const notAPosition = (given: GivenPosition) =>
  new AppError({
    code: 'VALIDATION',
    message: 'Last-Event-ID is not a position of this feed',
    details: [{ path: given.path, message: 'Must be a position this feed sent (an SSE id)' }],
  });

/**
 * Streams committed outbox events to readers (the websocket service) in feed order. A posting on
 * this instance has its event sequenced and the readers woken at once; events of other instances are
 * sequenced by their own instance at once, and a reader here picks them up within `pollMs` (each poll
 * also runs the sequencer, for the events of an instance that stopped before sequencing its own).
 */
export function createEventFeed({ db, pollMs, logger }: { db: Database; pollMs: number; logger: Logger }) {
  const sleepers = new Set<() => void>();
  // Aborted at shutdown so open streams end and the HTTP server can close.
  const closing = new AbortController();
  const wakeReaders = () => {
    for (const wake of [...sleepers]) wake();
  };
  const sequencer = createFeedSequencer({ db, busyRetryForMs: pollMs, onSequenced: wakeReaders });

  /** Resolves true when new positions were given out here, false after `ms` or when `signal` aborts. */
  function nap(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (sequenced: boolean) => () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        signal.removeEventListener('abort', timeout);
        resolve(sequenced);
      };
      const wake = done(true);
      const timeout = done(false);
      const timer = setTimeout(timeout, ms);
      sleepers.add(wake);
      signal.addEventListener('abort', timeout, { once: true });
    });
  }

  return {
    /** Ends every open stream (shutdown). */
    close(): void {
      closing.abort();
    },

    /** Called after every committed posting: sequences it, then wakes the readers. */
    notify: (): void => {
      sequencer.catchUp().then(wakeReaders, (error: unknown) => {
        // The next reader poll sequences it; a failure while shutting down is expected.
        if (!closing.signal.aborted) logger.warn('event feed: sequencing after a posting failed', { error });
      });
    },

    /**
     * Where a reader starts: after `given` (a position this feed handed out, in either form), or
     * without one after every event committed before this call.
     * @throws VALIDATION when `given` is not a position this feed handed out.
     */
    async startingPosition(given: GivenPosition | undefined): Promise<FeedPosition> {
      if (given === undefined) {
        await sequencer.catchUp();
        return outbox.lastPosition(db);
      }
      const parsed = parsePosition(given.value);
      if (!parsed) throw notAPosition(given);
      if ('legacy' in parsed) {
        const { txId, id } = parsed.legacy;
        // The old feed's start, handed out while it was empty.
        if (txId === '0' && id === '0') return '0';
        await sequencer.catchUp();
        const position = await outbox.legacyPosition(db, txId, id);
        if (position === undefined) throw notAPosition(given);
        return position;
      }
      if (isAfter(parsed.position, await outbox.lastPosition(db))) throw notAPosition(given);
      return parsed.position;
    },

    /** Batches of events after `position`, forever, until `reader` aborts or the feed closes. */
    async *read(position: FeedPosition, reader: AbortSignal): AsyncGenerator<FeedEvent[]> {
      const signal = AbortSignal.any([reader, closing.signal]);
      let sequenced = false;
      while (!signal.aborted) {
        if (!sequenced) await sequencer.catchUp();
        const batch = await outbox.readEventsAfter(db, position, BATCH_SIZE);
        if (batch.length > 0) {
          position = batch[batch.length - 1]!.position;
          yield batch;
        }
        sequenced = batch.length === BATCH_SIZE || (await nap(pollMs, signal));
      }
    },
  };
}

export type EventFeed = ReturnType<typeof createEventFeed>;
