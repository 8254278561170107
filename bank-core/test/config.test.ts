import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'bank-config-'));

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config).toMatchObject({ env: 'development', port: 3000, websocketPort: 3001, databaseUrl: undefined, bcryptCost: 12 });
    expect(config.jwt.accessTtlSeconds).toBe(900);
  });

  it('in production refuses to start without a JWT secret, or with one shorter than 32 bytes', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir() })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir(), JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    const secret = 'p'.repeat(32);
    expect(loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir(), JWT_SECRET: secret }).jwt.secret).toBe(secret);
  });

  it('in development generates a secret once under DATA_DIR and keeps it across restarts', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir }).jwt.secret;
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(first);
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.secret).toBe(first);
  });

  it('caps MAX_TRANSACTION_AMOUNT at 10^15 minor units, far inside the integers JavaScript holds exactly', () => {
    expect(loadConfig({ DATA_DIR: tempDir(), MAX_TRANSACTION_AMOUNT: '1000000000000000' }).maxTransactionAmount).toBe(1e15);
    expect(() => loadConfig({ DATA_DIR: tempDir(), MAX_TRANSACTION_AMOUNT: String(2 ** 52) })).toThrow(/MAX_TRANSACTION_AMOUNT/);
  });

  it('bounds every database wait, with documented defaults, and takes 0 to mean no bound', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).databaseTimeouts).toEqual({
      connectMs: 5_000,
      statementMs: 15_000,
      lockMs: 3_000,
      idleInTransactionMs: 15_000,
    });
    expect(loadConfig({ DATA_DIR: tempDir(), DATABASE_LOCK_TIMEOUT_MS: '0' }).databaseTimeouts.lockMs).toBe(0);
    expect(() => loadConfig({ DATA_DIR: tempDir(), DATABASE_STATEMENT_TIMEOUT_MS: '-1' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
  });

  it('takes REDIS_URL only as a redis:// or rediss:// URL, and leaves Redis off without it', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).redisUrl).toBeUndefined();
    expect(loadConfig({ DATA_DIR: tempDir(), REDIS_URL: 'rediss://:secret@redis:6380' }).redisUrl).toBe('rediss://:secret@redis:6380');
    expect(() => loadConfig({ DATA_DIR: tempDir(), REDIS_URL: 'http://redis:6379' })).toThrow(/REDIS_URL/);
  });

  it('takes NATS_URL as one or more nats:// or tls:// URLs, and leaves the relay off without it', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).nats).toBeUndefined();
    expect(loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://127.0.0.1:4222' }).nats).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      stream: 'BANK_EVENTS',
    });
    expect(loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://a:4222, tls://user:pw@b:4222', NATS_STREAM: 'EVENTS_2' }).nats).toEqual({
      servers: ['nats://a:4222', 'tls://user:pw@b:4222'],
      stream: 'EVENTS_2',
    });
    expect(() => loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'http://nats:4222' })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://nats:4222', NATS_STREAM: 'bank.events' })).toThrow(/NATS_STREAM/);
  });

  it('lists every invalid variable in one readable message', () => {
    const dataDir = tempDir();
    let message = '';
    try {
      loadConfig({ DATA_DIR: dataDir, APP_PORT_1: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/APP_PORT_1/);
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/LOG_LEVEL/);
    expect(existsSync(path.join(dataDir, 'jwt-secret'))).toBe(false);
  });
});
