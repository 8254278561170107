import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config/config';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'websocket-config-'));

describe('configuration', () => {
  it('uses the documented defaults: port 3001, bank-core on APP_PORT_1, files under DATA_DIR/websocket', () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 3001,
      bankCoreUrl: 'http://127.0.0.1:3000',
      dataDir: path.join(dataDir, 'websocket'),
    });
    expect(config.trustProxy).toBe(false);
    expect(config.sockets).toMatchObject({
      authTimeoutMs: 5_000,
      maxUnauthenticatedPerAddress: 20,
      maxUnauthenticated: 1_000,
      maxSocketsPerUser: 20,
      maxPayloadBytes: 16_384,
      ratePerSecond: 20,
      rateBurst: 40,
      heartbeatIntervalMs: 30_000,
    });
    expect(config.activity).toEqual({
      maxBytes: 10 * 1024 * 1024,
      retentionDays: 30,
      budgetBytes: 1024 * 1024 * 1024,
      quota: { bytesPerMinute: 64 * 1024, bytesPerDay: 1024 * 1024 },
    });
    expect(config.feed).toMatchObject({ retryMaxMs: 30_000, probeIntervalMs: 250 });
    expect(loadConfig({ DATA_DIR: dataDir, APP_PORT_1: '4000' }).bankCoreUrl).toBe('http://127.0.0.1:4000');
  });

  it('takes WS_DATA_DIR and BANK_CORE_URL when set', () => {
    const wsDir = tempDir();
    const config = loadConfig({ DATA_DIR: tempDir(), WS_DATA_DIR: wsDir, BANK_CORE_URL: 'http://bank-core:3000/' });
    expect(config.dataDir).toBe(wsDir);
    expect(config.bankCoreUrl).toBe('http://bank-core:3000');
  });

  it('takes REDIS_URL as bank-core does, and leaves Redis off without it', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).redisUrl).toBeUndefined();
    expect(loadConfig({ DATA_DIR: tempDir(), REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ DATA_DIR: tempDir(), REDIS_URL: 'nats://x' })).toThrow(/REDIS_URL/);
  });

  it('reads TRUST_PROXY as bank-core does: true, false, a hop count or addresses', () => {
    const trust = (value: string) => loadConfig({ DATA_DIR: tempDir(), TRUST_PROXY: value }).trustProxy;
    expect([trust('true'), trust('false'), trust('1'), trust('loopback, 10.0.0.0/8')]).toEqual([true, false, 1, 'loopback, 10.0.0.0/8']);
  });

  it('shares the generated development secret with bank-core through DATA_DIR', () => {
    const dataDir = tempDir();
    const secret = loadConfig({ DATA_DIR: dataDir }).jwt.secret;
    expect(readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
  });

  it('in production refuses to start without a JWT secret of at least 32 bytes', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir() })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir(), JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(loadConfig({ NODE_ENV: 'production', DATA_DIR: tempDir(), JWT_SECRET: 'p'.repeat(32) }).jwt.secret).toBe('p'.repeat(32));
  });

  it('with NATS_URL consumes the stream as ws-<WS_INSTANCE_ID>, by default this host name and port', () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).nats).toBeUndefined();
    const host = os.hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    expect(loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://127.0.0.1:4222', APP_PORT_2: '3002' }).nats).toEqual({
      servers: ['nats://127.0.0.1:4222'],
      stream: 'BANK_EVENTS',
      instanceId: `${host.slice(0, 50)}-3002`,
    });
    expect(loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://n:4222', WS_INSTANCE_ID: 'web-1' }).nats?.instanceId).toBe('web-1');
    // A consumer name cannot hold '.', '*', '>' or spaces.
    expect(() => loadConfig({ DATA_DIR: tempDir(), NATS_URL: 'nats://n:4222', WS_INSTANCE_ID: 'web.1' })).toThrow(/WS_INSTANCE_ID/);
  });

  it('lists every invalid variable in one message and writes nothing', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ DATA_DIR: dataDir, APP_PORT_2: 'abc', BANK_CORE_URL: 'ftp://x', WS_MAX_PAYLOAD_BYTES: '10' })).toThrow(
      /APP_PORT_2[\s\S]*BANK_CORE_URL[\s\S]*WS_MAX_PAYLOAD_BYTES/,
    );
    expect(existsSync(path.join(dataDir, 'jwt-secret'))).toBe(false);
  });
});
