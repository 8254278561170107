import { MemoryStore, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger, RedisClient } from '@bank/common';

// After Redis fails, this instance counts on its own for this long before trying Redis again, so an
// outage costs one failed (fast) command per limiter per second rather than one per request.
const RETRY_AFTER_MS = 1_000;

/**
 * Where the rate limits count: in Redis, shared by every bank-core instance, with `prefix` naming the
 * limiter (two limiters keyed by the same address must not share counters).
 *
 * When Redis cannot answer (down, or slower than REDIS_COMMAND_TIMEOUT_MS), each instance counts in its
 * own memory until Redis answers again: N instances then allow up to N times the limit, as they did
 * before Redis. The two other choices are worse for a bank: failing open (express-rate-limit's
 * passOnStoreError) would drop every limit, leaving sign-in guessing to the database's per-account
 * lockout alone; failing closed would turn a Redis outage into an outage of the whole API.
 */
export function createRateLimitStore({ client, prefix, logger }: { client: RedisClient; prefix: string; logger: Logger }): Store {
  const memory = new MemoryStore();
  let options: Options | undefined;
  let redis: RedisStore | undefined;
  let retryAt = 0;

  // While disconnected, memory at once (no command is tried). A fresh RedisStore each time Redis comes
  // back: one whose scripts failed to load stays broken.
  const shared = (): RedisStore | undefined => {
    if (redis || !client.isReady || Date.now() < retryAt || !options) return redis;
    const store = new RedisStore({ prefix, sendCommand: (...args: string[]) => client.sendCommand<RedisReply>(args) });
    void store.init(options).catch((error: unknown) => failed(store, error));
    redis = store;
    return redis;
  };
  const failed = (store: RedisStore, error?: unknown) => {
    if (redis !== store) return;
    redis = undefined;
    retryAt = Date.now() + RETRY_AFTER_MS;
    if (error) logger.warn('rate limits counted per instance: redis unavailable', { prefix, error: (error as Error).message });
  };
  // Each call: Redis when it answers, else this instance's memory.
  const either = async <T>(work: (store: Store) => Promise<T> | T): Promise<T> => {
    const store = shared();
    if (store) {
      try {
        return await work(store);
      } catch (error) {
        failed(store, error);
      }
    }
    return work(memory);
  };

  return {
    prefix,
    localKeys: false,
    init(given: Options) {
      options = given;
      memory.init(given);
      shared();
    },
    increment: (key: string): Promise<IncrementResponse> => either((store) => store.increment(key)),
    decrement: (key: string) => either((store) => store.decrement(key)),
    resetKey: (key: string) => either((store) => store.resetKey(key)),
    shutdown: () => memory.shutdown(),
  };
}
