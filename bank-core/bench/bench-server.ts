import { createLogger } from '@bank/common';
import { loadConfig } from '../src/config/config';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { start } from '../src/server';

/**
 * The bank-core server for the benchmark, in its own process (as in production) so that the load
 * generator does not share its event loop. The parent drives it over IPC: `ready` once listening,
 * then `audit` (runs the ledger audit on the server's own database) and `stop`.
 */
export type BenchServerMessage =
  | { type: 'ready'; url: string; driver: string }
  | { type: 'audit'; checks: { name: string; checked: number; violations: string[] }[] }
  | { type: 'stopped' };

export type BenchServerCommand = { type: 'audit' } | { type: 'stop' };

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // Errors only, on stderr: a failing request during the run shows its cause.
  const logger = createLogger({ service: 'bank-core-bench', level: config.logLevel, console: true });
  const running = await start(config, { logger });
  // The raw-pg phases leave the API idle for a while; keep its sockets so the next phase does not race a close.
  running.server.keepAliveTimeout = 120_000;
  const send = (message: BenchServerMessage) => process.send!(message);

  process.on('message', (command: BenchServerCommand) => {
    if (command.type === 'audit') {
      auditLedger(running.db).then((checks) => send({ type: 'audit', checks }), fail);
    } else {
      running.stop().then(() => {
        send({ type: 'stopped' });
        process.disconnect();
      }, fail);
    }
  });
  send({ type: 'ready', url: running.url, driver: running.db.driver });
}

function fail(error: unknown): void {
  console.error('bench server failed:', error);
  process.exit(1);
}

main().catch(fail);
