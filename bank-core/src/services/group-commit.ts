/**
 * Group commit: requests that arrive while a batch is being written wait, then go to the database
 * together in the next one, so under load one database call and one commit serve many requests, and an
 * idle service still writes a lone request at once (after one turn of the event loop, which lets requests
 * already read off the sockets join: on the embedded database every query runs on this thread, so
 * without that turn a request's whole path would run before the next request is even parsed).
 *
 * `write` gets the items in arrival order and answers one settled result per item, so one item can fail
 * without failing the others; if `write` itself throws, every item of that batch fails with its error.
 */
export function createGroupCommit<I, O>({
  write,
  maxBatch,
  maxInFlight,
}: {
  write: (items: I[]) => Promise<PromiseSettledResult<O>[]>;
  /** Items per batch at most. */
  maxBatch: number;
  /** Batches being written at once at most (1 on the embedded database, which has one connection). */
  maxInFlight: number;
}) {
  interface Waiting {
    item: I;
    resolve(value: O): void;
    reject(reason: unknown): void;
  }
  let queue: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  function pump(): void {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      inFlight += 1;
      write(batch.map((waiting) => waiting.item))
        .then(
          (results) =>
            batch.forEach((waiting, i) => {
              const result = results[i];
              if (result?.status === 'fulfilled') waiting.resolve(result.value);
              else waiting.reject(result ? (result.reason as unknown) : new Error('group commit lost an item'));
            }),
          (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          schedule();
        });
    }
  }

  function schedule(): void {
    if (scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(pump);
  }

  return {
    /** Resolves with the item's own result once its batch has committed. */
    submit(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}

export type GroupCommit<I, O> = ReturnType<typeof createGroupCommit<I, O>>;
