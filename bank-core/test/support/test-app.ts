import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type Express } from 'express';
import request from 'supertest';
import { createLogger } from '@bank/common';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { createServices, type Services } from '../../src/services';
import { createContractRecorder } from './contract';
import { openTestDatabase, type TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: Express;
  http: ReturnType<typeof request>;
  db: TestDatabase;
  /** PostgreSQL only: the database's URL, straight to the server. */
  databaseUrl: string | undefined;
  config: Config;
  services: Services;
  close(): Promise<void>;
}

/** The test defaults (fast hashing, generous rate limits, a fresh DATA_DIR), with `env` on top. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'bank-core-test-')),
    JWT_SECRET: TEST_JWT_SECRET,
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    LOOKUP_RATE_LIMIT_PER_MINUTE: '10000',
    API_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'error',
    ...env,
  });
}

/**
/**
 * The real app on a fresh database. `env` overrides the test defaults (e.g. tight rate limits, the
 * DATABASE_*_TIMEOUT_MS bounds); `fileLogs` writes the Winston files to the configured LOG_DIR (silent
 * otherwise); `databaseUrlVia` rewrites the PostgreSQL URL the app connects to (through a fault proxy);
 * `migrateBefore` stops a fresh database's schema short of a migration. `db` runs it on a database already
 * open instead: `t.db.connectAgain()` makes a second instance of `t`'s bank-core; `close` closes that handle.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { fileLogs?: boolean; databaseUrlVia?: (url: string) => string; db?: TestDatabase; migrateBefore?: string } = {},
): Promise<TestApp> {
  const config = testConfig(env);
  const db =
    options.db ??
    (await openTestDatabase({ timeouts: config.databaseTimeouts, viaUrl: options.databaseUrlVia, migrateBefore: options.migrateBefore }));
  return assemble(config, db, options);
}

/**
 * A second instance of the app on the same database as `first` (several bank-core instances behind one
 * load balancer), with its own pool, caches and listener on PostgreSQL. `close` leaves the database to `first`.
 */
export async function startSecondInstance(first: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const config = testConfig(env);
  return assemble(config, await first.db.connectAgain({ timeouts: config.databaseTimeouts }), {});
}

function assemble(config: Config, db: TestDatabase, options: { fileLogs?: boolean }): TestApp {
  const logger = createLogger({
    service: 'bank-core-test',
    level: config.logLevel,
    dir: options.fileLogs ? config.logDir : undefined,
    console: false,
  });
  const services = createServices({ config, db, logger });

  // Every response goes through the contract recorder; `close` fails the test file if one broke docs/openapi.yaml.
  const contract = createContractRecorder();
  const app = express().disable('x-powered-by').use(contract.middleware).use(createApp({ config, db, logger, services }));
  const close = async () => {
    await db.close();
    contract.assertNoViolations();
  };
  return { app, http: request(app), db, databaseUrl: db.url, config, services, close };
}
