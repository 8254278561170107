import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '../../bank-core/chaos/service-process';
import { eventually } from '../../bank-core/test/support/eventually';
import { CONSUMER, PRODUCER, startCollector } from '../../websocket/test/support/otlp-collector';
import { authedClient } from '../../websocket/test/support/ws-client';
import { createCustomer, deposit } from '../support/customers';
import { readStream, startNatsServer, type NatsServer } from '../support/nats-server';

jest.setTimeout(120_000);

const STREAM = 'TRACE_TEST';
let nats: NatsServer;
let collector: Awaited<ReturnType<typeof startCollector>>;
let core: ServiceProcess | undefined;
let websocket: ServiceProcess | undefined;
let dir: string;

beforeAll(async () => {
  nats = await startNatsServer();
  collector = await startCollector();
  dir = mkdtempSync(path.join(os.tmpdir(), 'nats-tracing-test-'));
  const common = {
    NODE_ENV: 'production',
    JWT_SECRET: 'nats-tracing-test-secret-long-enough-for-hs256',
    LOG_CONSOLE: 'false',
    DATA_DIR: dir,
    NATS_URL: nats.url,
    NATS_STREAM: STREAM,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    // The SDK's own variable: export batches every 100 ms rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  core = await startServiceProcess({ ...common, APP_PORT_1: String(await freePort()), BCRYPT_COST: '4' }, { compiled: true });
  websocket = await startServiceProcess(
    { ...common, APP_PORT_2: String(await freePort()), BANK_CORE_URL: core.url, WS_INSTANCE_ID: 'tracing' },
    { compiled: true, service: 'websocket' },
  );
});

afterAll(async () => {
  await websocket?.stop();
  await core?.stop();
  await collector?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('trace context through NATS (tracing on)', () => {
  it("the relay's publish span is the parent of the websocket's processing span, through the message's traceparent, with the request id beside it", async () => {
    const customer = await createCustomer(core!.url, 0);
    const tab = await authedClient(`${websocket!.url.replace(/^http/, 'ws')}/ws`, customer.token);
    await deposit(core!.url, customer, 5_000);
    const pushed = await tab.next((m) => m.type === 'account.transaction', 5_000);

    const publish = await eventually(
      () =>
        collector.spans.find(
          (span) => span.service === 'bank-core' && span.kind === PRODUCER && span.attributes['messaging.message.id'] === pushed.eventId,
        ),
      10_000,
    );
    const processing = await eventually(
      () =>
        collector.spans.find(
          (span) => span.service === 'websocket' && span.kind === CONSUMER && span.attributes['messaging.message.id'] === pushed.eventId,
        ),
      10_000,
    );
    expect(publish.name).toBe(`${STREAM}.transaction.posted publish`);
    expect(publish.attributes['bank.request_id']).toBe(pushed.requestId);
    expect(processing.traceId).toBe(publish.traceId);
    expect(processing.parentSpanId).toBe(publish.spanId);

    const [message] = await readStream(nats.url, STREAM);
    expect(message).toMatchObject({ eventId: pushed.eventId, requestId: pushed.requestId });
    expect(message!.traceparent).toBe(`00-${publish.traceId}-${publish.spanId}-01`);
    await tab.close();
  });
});
