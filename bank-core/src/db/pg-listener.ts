import pg from 'pg';
import type { ChannelHandlers, DatabaseErrorReporter } from './database';

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * LISTEN on its own connection (a pooled one would be handed to requests), reconnecting with backoff
 * when it is lost. Notifications sent while it is down are lost, so `handlers.disconnected` and
 * `handlers.connected` let the caller stop trusting what it cached meanwhile.
 * @returns a function that stops listening and closes the connection.
 */
export async function listenWithReconnect({
  config,
  channel,
  handlers,
  report,
}: {
  config: pg.ClientConfig;
  channel: string;
  handlers: ChannelHandlers;
  report: DatabaseErrorReporter;
}): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  async function connect(): Promise<void> {
    const attempt = new pg.Client({ ...config, statement_timeout: 0, query_timeout: undefined, idle_in_transaction_session_timeout: 0 });
    attempt.on('notification', (message) => {
      if (message.channel === channel) handlers.message(message.payload ?? '');
    });
    attempt.on('error', (error) => lost(attempt, error));
    attempt.on('end', () => lost(attempt, new Error('listener connection ended')));
    try {
      await attempt.connect();
      await attempt.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await attempt.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await attempt.end();
      return;
    }
    client = attempt;
    failures = 0;
    handlers.connected?.();
  }

  function lost(which: pg.Client, error: unknown): void {
    if (stopped || client !== which) return;
    client = undefined;
    handlers.disconnected?.();
    report(`LISTEN ${channel}: connection lost; reconnecting`, error);
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures, 10));
    failures += 1;
    retryTimer = setTimeout(() => {
      connect().catch((error: unknown) => {
        if (failures === 1) report(`LISTEN ${channel}: cannot connect; retrying`, error);
        schedule();
      });
    }, delay);
  }

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retryTimer);
    const open = client;
    client = undefined;
    await open?.end();
  };
}
