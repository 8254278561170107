import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '../../../bank-core/test/support/eventually';

/** One span as the services export it, flattened: its service's name and its attributes as plain values. */
export interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP span kind: SERVER or CLIENT below for the HTTP spans. */
  kind: number;
  attributes: Record<string, unknown>;
}
export const SERVER = 2;
export const CLIENT = 3;

type AnyValue = Record<string, unknown>;
type KeyValues = { key: string; value: AnyValue }[];
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: KeyValues };
    scopeSpans: { spans: (Omit<Span, 'service' | 'attributes'> & { attributes: KeyValues })[] }[];
  }[];
}
const flatten = (list: KeyValues) => Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

/**
 * A stand-in OpenTelemetry collector: an OTLP/HTTP receiver on a free loopback port that keeps every span
 * posted to /v1/traces (OTLP JSON, as @opentelemetry/exporter-trace-otlp-http sends it). Set a service's
 * OTEL_EXPORTER_OTLP_ENDPOINT to `url`.
 */
export async function startCollector() {
  const spans: Span[] = [];
  const posts = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      posts.add(`${req.url} ${req.headers['content-type']}`);
      if (req.url === '/v1/traces') {
        for (const { resource, scopeSpans } of (JSON.parse(body) as OtlpTraces).resourceSpans) {
          const service = String(flatten(resource.attributes)['service.name']);
          for (const span of scopeSpans.flatMap((scope) => scope.spans))
            spans.push({ ...span, service, attributes: flatten(span.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    /** What was posted: `path content-type`, each once. */
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Collector = Awaited<ReturnType<typeof startCollector>>;

/**
 * The spans of one page API call forwarded by the websocket service to bank-core, once exported: the
 * websocket's server span (found by the page's X-Request-Id, its `bank.client_request_id`), bank-core's
 * server span (by bank-core's request id, the X-Request-Id of the answer), and the span bank-core's hangs
 * under (undefined when its parent was not exported).
 * @throws Error when either server span has not arrived within 5 s.
 */
export async function pageCallSpans(collector: Collector, pageRequestId: string, coreRequestId: string) {
  const page = await eventually(
    () =>
      collector.spans.find(
        (span) => span.service === 'websocket' && span.kind === SERVER && span.attributes['bank.client_request_id'] === pageRequestId,
      ),
    5_000,
  );
  const core = await eventually(
    () =>
      collector.spans.find(
        (span) => span.service === 'bank-core' && span.kind === SERVER && span.attributes['bank.request_id'] === coreRequestId,
      ),
    5_000,
  );
  return { page, core, parentOfCore: collector.spans.find((span) => span.spanId === core.parentSpanId) };
}
