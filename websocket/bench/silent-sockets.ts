/**
 * Silent-connection check (`npm run bench:ws-silent`): one client address opens WS_SILENT_SOCKETS
 * (default 500) WebSocket connections at once and never sends a byte after the upgrade, not even the
 * answer to a close frame. Prints how many the service accepted and refused, how long it held the
 * accepted ones (from the upgrade request to the server cutting the TCP connection), and /healthz
 * while they wait. Runs the service in this process with its defaults (WS_AUTH_TIMEOUT_MS 5000).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@bank/common';
import { loadConfig } from '../src/config/config';
import { start } from '../src/server';
import { rawUpgrade } from '../test/support/raw-upgrade';

const COUNT = Number(process.env.WS_SILENT_SOCKETS ?? 500);

async function main(): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_PORT_2: '0',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'ws-silent-')),
    BANK_CORE_URL: 'http://127.0.0.1:9',
    WS_FEED_ENABLED: 'false',
  });
  const running = await start(config, { logger: createLogger({ service: 'ws-silent', level: 'error', console: true }) });
  try {
    const connections = await Promise.all(Array.from({ length: COUNT }, () => rawUpgrade(running.wsUrl)));
    const byStatus = new Map<number, number>();
    for (const { status } of connections) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as { connections: unknown };
    const held = (await Promise.all(connections.filter((c) => c.status === 101).map((c) => c.closed))).sort((a, b) => a - b);
    console.log(`${COUNT} silent connections from one address, WS_AUTH_TIMEOUT_MS ${config.sockets.authTimeoutMs}`);
    console.log(`  answers: ${[...byStatus].map(([status, count]) => `${count} x ${status}`).join(', ')}`);
    console.log(`  /healthz while they wait: ${JSON.stringify(health.connections)}`);
    console.log(`  accepted ones held: min ${held[0] ?? NaN} ms, max ${held.at(-1) ?? NaN} ms`);
  } finally {
    await running.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
