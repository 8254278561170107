import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServiceProcess, type ServiceProcess } from '../../bank-core/chaos/service-process';
import { eventually } from '../../bank-core/test/support/eventually';
import { freePort } from './support/fake-bank-core';
import { CLIENT, pageCallSpans, startCollector, type Collector } from './support/otlp-collector';
import { TEST_JWT } from './support/tokens';

// OpenTelemetry across both services, as they run from `npm start` (node with the tsx loader): each is a
// real process with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector played by this test.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

/** Which OpenTelemetry SDK modules a service's instrumentation.ts loads, with `env` (run in a process of its own). */
function sdkModulesLoaded(env: Record<string, string>): string[] {
  const script = `require('./bank-core/src/instrumentation.ts');
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((file) => file.includes('@opentelemetry/sdk-'))));`;
  const result = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'tracing-off-')), ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as string[];
}

let collector: Collector;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tracing-test-'));
let core: ServiceProcess | undefined;
let websocket: ServiceProcess | undefined;

beforeAll(async () => {
  collector = await startCollector();
  const common = {
    NODE_ENV: 'development',
    JWT_SECRET: TEST_JWT.secret,
    LOG_CONSOLE: 'false',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    // The SDK's own variable: export batches every 100 ms rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  core = await startServiceProcess({ ...common, APP_PORT_1: String(await freePort()), DATA_DIR: dataDir });
  websocket = await startServiceProcess(
    { ...common, APP_PORT_2: String(await freePort()), DATA_DIR: dataDir, BANK_CORE_URL: core.url, WS_FEED_ENABLED: 'false' },
    { service: 'websocket' },
  );
});

afterAll(async () => {
  await websocket?.stop();
  await core?.stop();
  await collector.close();
});

describe('tracing (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  it('a page API call through the websocket service to bank-core is one trace across both services, with the request ids on its spans', async () => {
    const res = await fetch(`${websocket!.url}/api/users/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'page-call-1' },
      body: JSON.stringify({ name: 'Ada Trace', email: `ada-${Date.now()}@example.com`, password: 'a long enough password 1' }),
    });
    expect(res.status).toBe(201);
    const { page, core: coreSpan, parentOfCore } = await pageCallSpans(collector, 'page-call-1', res.headers.get('x-request-id')!);
    expect(coreSpan.traceId).toBe(page.traceId);
    // bank-core was called with the websocket's request id, and its span hangs under the websocket's outgoing call.
    expect(coreSpan.attributes['bank.client_request_id']).toBe(page.attributes['bank.request_id']);
    expect(parentOfCore).toMatchObject({ service: 'websocket', kind: CLIENT, traceId: page.traceId });
    expect(coreSpan.name).toBe('POST /api/users/signup');
    // And from bank-core's log line for the request to the trace.
    const logLine = await eventually(() =>
      readFileSync(path.join(dataDir, 'logs', 'info.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.message === 'request' && line.requestId === coreSpan.attributes['bank.request_id']),
    );
    expect(logLine.traceId).toBe(page.traceId);
    // Only traces, as JSON: no metrics or logs export.
    expect([...collector.posts]).toEqual(['/v1/traces application/json']);
  });

  it('health probes and metric scrapes make no spans', async () => {
    await fetch(`${core!.url}/healthz`);
    await fetch(`${websocket!.url}/metrics`);
    await fetch(`${websocket!.url}/api/websocket/config`);
    const pathOf = (span: { attributes: Record<string, unknown> }) => span.attributes['url.path'];
    // A request that is traced, asked after the others: once its span is in, theirs would be too.
    await eventually(() => collector.spans.find((span) => pathOf(span) === '/api/websocket/config'));
    expect(collector.spans.map(pathOf).filter((target) => /healthz|metrics/.test(String(target)))).toEqual([]);
  });
});

describe('a collector that is away', () => {
  it('costs a traced service at most its 2 s flush bound when it stops', async () => {
    const away = `http://127.0.0.1:${await freePort()}`;
    const lonely = await startServiceProcess({
      NODE_ENV: 'development',
      JWT_SECRET: TEST_JWT.secret,
      LOG_CONSOLE: 'true', // for the output checked below
      LOG_LEVEL: 'warn',
      APP_PORT_1: String(await freePort()),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'tracing-away-')),
      OTEL_EXPORTER_OTLP_ENDPOINT: away,
    });
    expect((await fetch(`${lonely.url}/api/users/me`)).status).toBe(401); // a span waiting to be exported
    const stopping = Date.now();
    await lonely.stop();
    expect(Date.now() - stopping).toBeLessThan(4_000);
    expect(lonely.output()).not.toContain('shutdown failed');
  });
});

describe('tracing off (OTEL_EXPORTER_OTLP_ENDPOINT unset)', () => {
  it('loads no OpenTelemetry SDK at all; setting the endpoint loads it', () => {
    expect(sdkModulesLoaded({})).toEqual([]);
    expect(sdkModulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }).length).toBeGreaterThan(0);
  });
});
