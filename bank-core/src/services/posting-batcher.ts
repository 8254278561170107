import { withRetries, type Queryable } from '../db/database';
import { isDatabaseUnavailable } from '../db/unavailable';
import * as ledger from '../repositories/ledger.repository';
import type { Posting, PostingResult } from '../repositories/ledger.repository';

const MAX_BATCH = 100;
// How long a batch may wait for postings still being prepared (their accounts being read).
const MAX_GATHER_MS = 5;

interface Waiting {
  posting: Posting;
  resolve(result: PostingResult): void;
  reject(error: unknown): void;
}

/** A place in the next batch, taken before a posting's accounts are read and given up by submitting or cancelling. */
export interface BatchTicket {
  submit(posting: Posting): Promise<PostingResult>;
  /** No-op once submitted. */
  cancel(): void;
}

/**
 * Group commit: postings go to the database together, in one `ledger_post_batch` call. A request
 * takes a ticket before it reads its accounts; a batch is written once no ticket is outstanding
 * (or after MAX_GATHER_MS), so postings being prepared meanwhile join it instead of each waiting for
 * a batch of their own behind the embedded database's single connection. An idle service writes a
 * lone posting at once. If a whole batch fails (a database error, not a refused posting), its
 * postings are written one by one, so one bad posting fails alone.
 */
export function createPostingBatcher({ db, onBatchFailed }: { db: Queryable; onBatchFailed: (error: unknown, size: number) => void }) {
  let waiting: Waiting[] = [];
  let writing = false;
  let outstanding = 0;
  let gathered: (() => void) | undefined;

  /**
   * Lets the batch fill: first one turn of the event loop, so requests that have arrived get to
   * prepare their postings (PGlite runs each query synchronously on this thread, so without this a
   * request's whole path runs before the next request is even read); then until no ticket is
   * outstanding, or MAX_GATHER_MS.
   */
  async function gather(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (outstanding === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, MAX_GATHER_MS);
      function done() {
        clearTimeout(timer);
        gathered = undefined;
        resolve();
      }
      gathered = done;
    });
  }

  async function drain(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      await gather();
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(MAX_BATCH);
      try {
        const results = await withRetries(() =>
          ledger.postTransactions(
            db,
            batch.map((item) => item.posting),
          ),
        );
        batch.forEach((item, i) => item.resolve(results[i]!));
      } catch (error) {
        // The batch's outcome is unknown (the database went away, perhaps mid-commit): writing its postings
        // again could post them twice, so every posting of the batch fails with the error (503).
        if (isDatabaseUnavailable(error)) {
          for (const item of batch) item.reject(error);
          continue;
        }
        onBatchFailed(error, batch.length);
        for (const item of batch) {
          await withRetries(() => ledger.postTransaction(db, item.posting)).then(
            (result) => item.resolve(result),
            (failure: unknown) => item.reject(failure),
          );
        }
      }
    }
    writing = false;
  }

  return {
    ticket(): BatchTicket {
      outstanding += 1;
      let open = true;
      const release = () => {
        if (!open) return;
        open = false;
        outstanding -= 1;
        if (outstanding === 0) gathered?.();
      };
      return {
        submit(posting) {
          const result = new Promise<PostingResult>((resolve, reject) => waiting.push({ posting, resolve, reject }));
          release();
          if (!writing) void drain();
          return result;
        },
        cancel: release,
      };
    },
  };
}

export type PostingBatcher = ReturnType<typeof createPostingBatcher>;
