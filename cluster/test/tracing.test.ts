import { randomUUID } from 'node:crypto';
import { CLIENT, pageCallSpans, startCollector, type Collector } from '../../websocket/test/support/otlp-collector';
import { startTopology, type Topology } from '../support/topology';

jest.setTimeout(120_000);

// Tracing in the production shape: compiled services (node dist/main.js), the websocket instance reaching
// bank-core through nginx, spans posted to a collector this test plays.
describe('OpenTelemetry with compiled services behind nginx', () => {
  let collector: Collector;
  let topology: Topology;
  beforeAll(async () => {
    collector = await startCollector();
    // The SDK's own variable: export batches every 100 ms rather than every 5 s.
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    topology = await startTopology({ bankCores: 1, websockets: 1, websocketsFollow: 'nginx', bankCoreEnv: tracing, websocketEnv: tracing });
  });
  afterAll(async () => {
    await topology?.stop();
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
});
