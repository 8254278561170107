import { randomUUID } from 'node:crypto';
import { CLIENT, pageCallSpans, startCollector, type Collector } from '../../websocket/test/support/otlp-collector';
import { eventually } from '../../bank-core/test/support/eventually';
import { call, signUp } from '../support/client';
import { startNatsServer, type NatsServer } from '../support/nats-server';
import { startTopology, type Topology } from '../support/topology';

jest.setTimeout(180_000);

// OTLP span kinds of the messaging spans.
const PRODUCER = 4;
const CONSUMER = 5;

// Tracing in the production shape: compiled services (node dist/main.js), the websocket instance reaching
// bank-core through nginx and following it through NATS JetStream, spans posted to a collector this test plays.
describe('OpenTelemetry with compiled services behind nginx, linked by NATS', () => {
  let collector: Collector;
  let nats: NatsServer;
  let topology: Topology;
  beforeAll(async () => {
    collector = await startCollector();
    nats = await startNatsServer();
    // The SDK's own variable: export batches every 100 ms rather than every 5 s.
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      NATS_STREAM: `TRACE_${randomUUID().slice(0, 8)}`,
    };
    topology = await startTopology({
      bankCores: 1,
      websockets: 1,
      websocketsFollow: 'nginx',
      natsUrl: nats.url,
      waitForFeed: false,
      bankCoreEnv: env,
      websocketEnv: env,
    });
  });
  afterAll(async () => {
    await topology?.stop();
    await nats?.stop();
    await collector?.close();
  });

  test('a page API call forwarded by the websocket instance through nginx to bank-core is one trace', async () => {
    const pageRequestId = `page-${randomUUID()}`;
    const res = await fetch(`${topology.websockets[0]!.url}/api/users/me`, { headers: { 'x-request-id': pageRequestId } });
    expect(res.status).toBe(401); // bank-core's answer: the call reached it

    const { page, core, parentOfCore } = await pageCallSpans(collector, pageRequestId, res.headers.get('x-request-id')!);
    expect(core.traceId).toBe(page.traceId);
    expect(core.name).toBe('GET /api/users/me');
    // nginx passes traceparent through untouched: bank-core's span hangs under the websocket's outgoing call.
    expect(parentOfCore).toMatchObject({ service: 'websocket', kind: CLIENT, traceId: page.traceId });
  });

  test("an event's publish to NATS and its delivery by the websocket instance are one trace, named by the request that moved the money", async () => {
    const user = await signUp(topology.url!);
    const deposit = await call<{ transaction: { id: string } }>(topology.url!, '/api/transactions/deposit', {
      token: user.token,
      body: { accountId: user.accountId, amount: 1_000 },
    });
    expect(deposit.status).toBe(201);
    const requestId = deposit.headers.get('x-request-id')!;

    const publish = await eventually(
      () =>
        collector.spans.find(
          (span) => span.service === 'bank-core' && span.kind === PRODUCER && span.attributes['bank.request_id'] === requestId,
        ),
      10_000,
    );
    const delivery = await eventually(
      () =>
        collector.spans.find(
          (span) =>
            span.service === 'websocket' &&
            span.kind === CONSUMER &&
            span.attributes['messaging.message.id'] === publish.attributes['messaging.message.id'],
        ),
      10_000,
    );
    // The context crossed NATS in the message headers: the delivery hangs under the publish.
    expect(delivery).toMatchObject({ traceId: publish.traceId, parentSpanId: publish.spanId });
  });
});
