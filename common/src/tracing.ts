import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { TracingConfig } from './tracing-config';

// Longest a graceful stop waits for the last spans to be exported.
const SHUTDOWN_BOUND_MS = 2_000;
// Probes and scrapes: many a minute, and nothing a trace would explain.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const untraced = (path: string | undefined) => UNTRACED_PATHS.has((path ?? '').split('?')[0]!);

/**
 * Starts OpenTelemetry tracing (the Node SDK, W3C trace context and baggage propagation) for this
 * process: incoming and outgoing HTTP (node:http, so the websocket service's forwarded calls too), fetch
 * (undici), and Express routes, batched and posted as OTLP/HTTP JSON to `tracesUrl`. It must run before
 * express is loaded; each service's `src/instrumentation.ts` loads this module only when tracing is on,
 * so with tracing off no SDK is loaded at all. Returns the shutdown, which flushes the spans still queued
 * (for at most 2 s) and never rejects.
 */
export function startTracing({ tracesUrl, serviceName }: TracingConfig): () => Promise<void> {
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter({ url: tracesUrl }),
    // Traces only: metrics are Prometheus' (/metrics), logs are Winston's files. Left unset, the SDK would
    // also export both to the endpoint.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untraced(request.url),
        ignoreOutgoingRequestHook: (options) => untraced(options.path ?? undefined),
      }),
      // Route names only (the server span is named `GET /api/accounts/:id`): no span per middleware, and the
      // server span stays the active one, where the request id is recorded (request-id.ts).
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      new UndiciInstrumentation({ ignoreRequestHook: (request) => untraced(request.path) }),
    ],
  });
  sdk.start();
  return async () => {
    // Spans the collector does not take within the bound are dropped: a collector that is away must not
    // hold up or fail the service's exit.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_BOUND_MS)));
    await Promise.race([sdk.shutdown().catch(() => undefined), bound]);
    clearTimeout(timer);
  };
}
