import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { loadConfig, type Config } from '../../src/config/config';
import { start, type RunningServer } from '../../src/server';
import { startFakeBankCore } from './fake-bank-core';
import { TEST_JWT } from './tokens';

export interface TestService {
  running: RunningServer;
  config: Config;
  wsUrl: string;
  http: ReturnType<typeof request>;
  /** The lines of interactions.txt or errors.txt, parsed. */
  lines(kind: 'interactions' | 'errors'): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The test defaults (port 0, a fresh data folder, feed off unless BANK_CORE_URL is a fake), with `env` on top. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    APP_PORT_2: '0',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'websocket-test-')),
    JWT_SECRET: TEST_JWT.secret,
    // fetch refuses port 9 (a blocked port) at once: session checks fail fast, i.e. "bank-core unreachable".
    BANK_CORE_URL: 'http://127.0.0.1:9',
    WS_FEED_ENABLED: 'false',
    LOG_LEVEL: 'info',
    ...env,
  });
}

/**
 * The real service on port 0. `fileLogs` writes the Winston files to LOG_DIR (silent otherwise). Without a
 * BANK_CORE_URL it gets a fake bank-core of its own that confirms every session (sockets whose session
 * cannot be confirmed are refused), stopped with it.
 */
export async function startService(env: Record<string, string> = {}, options: { fileLogs?: boolean } = {}): Promise<TestService> {
  const ownBankCore = env.BANK_CORE_URL === undefined ? await startFakeBankCore() : undefined;
  const config = testConfig(ownBankCore ? { ...env, BANK_CORE_URL: ownBankCore.url } : env);
  const logger = createLogger({
    service: 'websocket-test',
    level: config.logLevel,
    dir: options.fileLogs ? config.logDir : undefined,
    console: false,
  });
  const running = await start(config, { logger });
  const lines = (kind: 'interactions' | 'errors') => {
    try {
      return readFileSync(path.join(config.dataDir, `${kind}.txt`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  const stop = async () => {
    await running.stop();
    await ownBankCore?.close();
  };
  return { running, config, wsUrl: running.wsUrl, http: request(running.url), lines, stop };
}
