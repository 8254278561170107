import { createTokenBucket, type TokenBucket } from '../utils/token-bucket';

const MINUTE_S = 60;
const DAY_S = 86_400;

/**
 * What each writer (a user, or the address of connections that have not authenticated) may add to
 * the activity files: at most `bytesPerMinute` in any minute and `bytesPerDay` in any day, summed
 * over all of its sockets. Two token buckets per writer (capacity = the allowance, refilled at the
 * allowance per window), so the windows slide rather than reset at the hour. Kept in this process's
 * memory: each instance has its own files and enforces its own quotas.
 */
export function createActivityQuota({ bytesPerMinute, bytesPerDay }: { bytesPerMinute: number; bytesPerDay: number }) {
  const writers = new Map<string, { minute: TokenBucket; day: TokenBucket }>();

  return {
    /** Counts `bytes` against `writer` and returns true, or returns false (counting nothing) when they do not fit. */
    take(writer: string, bytes: number): boolean {
      let buckets = writers.get(writer);
      if (!buckets) {
        buckets = {
          minute: createTokenBucket({ ratePerSecond: bytesPerMinute / MINUTE_S, burst: bytesPerMinute }),
          day: createTokenBucket({ ratePerSecond: bytesPerDay / DAY_S, burst: bytesPerDay }),
        };
        writers.set(writer, buckets);
      }
      if (buckets.minute.available() < bytes || buckets.day.available() < bytes) return false;
      buckets.minute.take(bytes);
      buckets.day.take(bytes);
      return true;
    },
    /** Forgets writers whose allowance is whole again, so the map holds only recent writers. */
    prune(): void {
      for (const [writer, buckets] of writers) if (buckets.minute.full && buckets.day.full) writers.delete(writer);
    },
  };
}

export type ActivityQuota = ReturnType<typeof createActivityQuota>;
