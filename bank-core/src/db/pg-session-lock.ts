import pg from 'pg';
import type { DatabaseErrorReporter, LockHandlers } from './database';

// A holder's connection that does not answer a check this fast is taken as dead: the lock is given up here
// (the server releases it too once it notices, and a standby takes over).
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Competes for a PostgreSQL session advisory lock (`pg_try_advisory_lock`) on a connection of its own,
 * asking again every `retryMs` while another session holds it. The holder checks its connection every
 * `retryMs`: when it fails or ends, `handlers.lost` runs at once and the competition starts again. A process
 * that dies closes its connection and the server releases the lock, so a standby takes over within about
 * `retryMs` of the server noticing (at once for a killed process, whose socket the kernel closes).
 * @returns a function that stops competing and closes the connection, releasing the lock if held.
 */
export async function holdSessionLock({
  config,
  key,
  handlers,
  retryMs,
  report,
}: {
  config: pg.ClientConfig;
  key: number;
  handlers: LockHandlers;
  retryMs: number;
  report: DatabaseErrorReporter;
}): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let holding = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  function drop(which: pg.Client, error: unknown): void {
    if (client !== which) return;
    client = undefined;
    which.removeAllListeners('end');
    void which.end().catch(() => undefined);
    if (holding) {
      holding = false;
      report(`advisory lock ${key}: connection lost; lock given up`, error);
      if (!stopped) handlers.lost();
    } else if (failures++ === 0 && !stopped) {
      report(`advisory lock ${key}: cannot reach the database; retrying`, error);
    }
  }

  async function attempt(): Promise<void> {
    let current = client;
    try {
      if (!current) {
        const fresh = new pg.Client({ ...config, statement_timeout: CHECK_TIMEOUT_MS, query_timeout: CHECK_TIMEOUT_MS });
        current = client = fresh;
        fresh.on('error', (error) => drop(fresh, error));
        fresh.on('end', () => drop(fresh, new Error('lock connection ended')));
        await fresh.connect();
      }
      if (holding) {
        await current.query('SELECT 1');
      } else {
        const { rows } = await current.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [key]);
        failures = 0;
        if (rows[0]?.got && !stopped && client === current) {
          holding = true;
          handlers.acquired();
        }
      }
    } catch (error) {
      if (current) drop(current, error);
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void attempt().finally(schedule), retryMs);
  }

  await attempt();
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const open = client;
    client = undefined;
    holding = false;
    if (open) {
      open.removeAllListeners('end');
      await open.end().catch(() => undefined);
    }
  };
}
