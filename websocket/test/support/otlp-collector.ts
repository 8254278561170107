import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}
// OTLP span kinds.
export const SERVER = 2;
export const CLIENT = 3;
export const PRODUCER = 4;
export const CONSUMER = 5;

/** An OTLP/HTTP collector that keeps every span posted to /v1/traces (JSON, as the exporter sends it). */
export async function startCollector() {
  const spans: Span[] = [];
  const posts = new Set<string>();
  type AnyValue = Record<string, unknown>;
  type OtlpBody = {
    resourceSpans: {
      resource: { attributes: { key: string; value: AnyValue }[] };
      scopeSpans: { spans: (Omit<Span, 'service' | 'attributes'> & { attributes: { key: string; value: AnyValue }[] })[] }[];
    }[];
  };
  const flatten = (list: { key: string; value: AnyValue }[]) =>
    Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      posts.add(`${req.url} ${req.headers['content-type']}`);
      if (req.url === '/v1/traces') {
        for (const { resource, scopeSpans } of (JSON.parse(body) as OtlpBody).resourceSpans) {
          const service = String(flatten(resource.attributes)['service.name']);
          for (const span of scopeSpans.flatMap((scope) => scope.spans)) {
            spans.push({ ...span, service, attributes: flatten(span.attributes) });
          }
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
