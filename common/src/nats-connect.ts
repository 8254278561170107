import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsServersForLog } from './event-link';
import type { Logger } from './logger';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * Connects to NATS, trying again with backoff while no server answers (one that is not up yet is waited
 * for, as one that restarts later is), until `signal` aborts. Once connected, the client reconnects by
 * itself, forever (`maxReconnectAttempts: -1`), and buffers what is published meanwhile.
 * @returns the connection, or undefined when `signal` aborted first.
 */
export async function connectNatsWhenReachable({
  servers,
  name,
  signal,
  logger,
}: {
  servers: string[];
  name: string;
  signal: AbortSignal;
  logger: Logger;
}): Promise<NatsConnection | undefined> {
  for (let failures = 0; !signal.aborted; failures += 1) {
    try {
      const connection = await connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
      if (!signal.aborted) {
        logger.info(`${name}: connected to NATS`, { servers: natsServersForLog(servers) });
        return connection;
      }
      await connection.close();
    } catch (error) {
      // Quiet while both start together; a warning once NATS stays away.
      logger.log(failures < 5 ? 'info' : 'warn', `${name}: NATS not reachable yet; retrying`, {
        servers: natsServersForLog(servers),
        error: (error as Error).message,
      });
      await new Promise<void>((resolve) => {
        const done = () => (clearTimeout(timer), resolve());
        const timer = setTimeout(done, Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures, 5)));
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
  return undefined;
}
