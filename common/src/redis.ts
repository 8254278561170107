import { createClient } from 'redis';
import type { Logger } from './logger';

// A command that has not answered in this long counts as failed (the caller falls back), so a Redis
// that hangs rather than refuses cannot hold requests up.
export const REDIS_COMMAND_TIMEOUT_MS = 250;
const CONNECT_TIMEOUT_MS = 2_000;
const RETRY_MAX_MS = 2_000;

const newClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(RETRY_MAX_MS, 50 * 2 ** Math.min(retries, 10)),
    },
  });

export type RedisClient = ReturnType<typeof newClient>;

/**
 * A Redis connection for one purpose (commands, or a subscription), given to `REDIS_URL`. It connects in
 * the background and keeps reconnecting (50 ms doubling to 2 s), so a service starts and serves while
 * Redis is down. Commands fail at once while it is disconnected (no offline queue) and after
 * REDIS_COMMAND_TIMEOUT_MS otherwise: every caller has a fallback and must not wait for Redis.
 * A lost and a regained connection are logged once each, without the URL (it may hold a password).
 */
export function connectRedis({ url, logger, purpose }: { url: string; logger: Logger; purpose: string }): RedisClient {
  const client = newClient(url);
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn('redis unreachable; retrying', { purpose, error: error.message });
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis reachable again', { purpose });
  });
  client.connect().catch((error: unknown) => {
    // Only when closed before it ever connected; reconnection is the client's own job otherwise.
    logger.warn('redis connection abandoned', { purpose, error: (error as Error).message });
  });
  return client;
}

/** Resolves once `client` is connected, or after `timeoutMs` (then callers go on with their fallback). */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.isReady) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
  });
}

/** Closes a connection made by connectRedis without waiting for a Redis that is not there. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.isReady) await client.close().catch(() => client.destroy());
  else if (client.isOpen) client.destroy();
}
