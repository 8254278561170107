import { z } from 'zod';
import { ConfigError, parseEnv } from './service-config';

/**
 * The tracing variables, the same in every service (each service's config module spreads them into its
 * schema, so a bad value stops the service with the others): `OTEL_EXPORTER_OTLP_ENDPOINT`, the OTLP/HTTP
 * collector's base URL (spans go to `<endpoint>/v1/traces`; unset: tracing off), and `OTEL_SERVICE_NAME`.
 */
export const tracingEnvShape = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(100).optional(),
};

export interface TracingConfig {
  /** Where spans are posted (OTLP over HTTP, JSON): the endpoint's `/v1/traces`. */
  tracesUrl: string;
  serviceName: string;
}

/**
 * Tracing settings from the environment, or undefined when tracing is off (no endpoint set).
 * @throws ConfigError when either variable is invalid.
 */
export function tracingConfigFrom(source: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig | undefined {
  const env = parseEnv(z.object(tracingEnvShape), source);
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return {
    tracesUrl: `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
  };
}

const notTracing = () => Promise.resolve();

/**
 * A service's first step (its src/instrumentation.ts, imported first by main.ts): starts tracing when
 * `load` finds it on, loading the OpenTelemetry SDK (./tracing) only then. An invalid setting leaves
 * tracing off here; the service's loadConfig then stops it with every invalid variable named.
 * Returns the shutdown that flushes queued spans (a no-op when tracing is off).
 */
export function startTracingWhenEnabled(load: () => TracingConfig | undefined): () => Promise<void> {
  let tracing: TracingConfig | undefined;
  try {
    tracing = load();
  } catch (error) {
    if (error instanceof ConfigError) return notTracing;
    throw error;
  }
  if (!tracing) return notTracing;
  // A require, not an import: the SDK is loaded only when tracing is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as typeof import('./tracing');
  return startTracing(tracing);
}
