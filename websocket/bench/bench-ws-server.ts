import { createLogger } from '@bank/common';
import { loadConfig } from '../src/config/config';
import { start } from '../src/server';

/**
 * The websocket service for the benchmark, in its own process (as in production) so its memory is
 * its own and the load generator does not share its event loop. Driven over IPC: `ready` once
 * listening, `stats` on request (memory and socket figures), `stop`.
 */
export type WsBenchMessage =
  | { type: 'ready'; wsUrl: string; url: string }
  | { type: 'stats'; rss: number; heapUsed: number; heapTotal: number; sockets: number; feed: unknown }
  | { type: 'stopped' };

/** `gc`: collect garbage first (the child runs with --expose-gc), to see what the sockets keep, not what traffic left. */
export type WsBenchCommand = { type: 'stats'; gc?: boolean } | { type: 'stop' };

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ service: 'websocket-bench', level: config.logLevel, console: true });
  const running = await start(config, { logger });
  const send = (message: WsBenchMessage) => process.send!(message);

  process.on('message', (command: WsBenchCommand) => {
    if (command.type === 'stats') {
      if (command.gc) (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      void fetch(`${running.url}/healthz`)
        .then((res) => res.json() as Promise<{ sockets: number; feed: unknown }>)
        .then(
          (health) =>
            send({
              type: 'stats',
              rss: memory.rss,
              heapUsed: memory.heapUsed,
              heapTotal: memory.heapTotal,
              sockets: health.sockets,
              feed: health.feed,
            }),
          fail,
        );
    } else {
      running.stop().then(() => {
        send({ type: 'stopped' });
        process.disconnect();
      }, fail);
    }
  });
  send({ type: 'ready', wsUrl: running.wsUrl, url: running.url });
}

function fail(error: unknown): void {
  console.error('websocket bench server failed:', error);
  process.exit(1);
}

main().catch(fail);
