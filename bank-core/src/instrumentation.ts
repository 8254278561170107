// Imported first by main.ts, before express and anything else: the OpenTelemetry SDK must start before the
// modules it instruments are loaded. With OTEL_EXPORTER_OTLP_ENDPOINT unset, nothing more is loaded.
import { loadRootEnvFile, startTracingWhenEnabled } from '@bank/common';
import { loadTracingConfig } from './config/config';

loadRootEnvFile();

/** Flushes the spans still queued and stops tracing; nothing to do when it is off. */
export const stopTracing = startTracingWhenEnabled(loadTracingConfig);
