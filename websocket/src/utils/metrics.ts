import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type BreakerState } from '../services/bank-core-breaker';

/**
 * This service's Prometheus registry, served at /metrics: Node's process metrics, and gauges read
 * when scraped (nothing to keep in step): `websocket_open_sockets` (authenticated sockets, from the
 * socket registry) and `websocket_bank_core_breaker_state` (0 closed, 1 half-open, 2 open).
 * A registry per service instance, so tests can start many without metric-name clashes.
 */
export function createMetrics({ openSockets, breakerState }: { openSockets: () => number; breakerState: () => BreakerState }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'websocket_open_sockets',
    help: 'Authenticated sockets open on this instance',
    registers: [registry],
    collect() {
      this.set(openSockets());
    },
  });
  new Gauge({
    name: 'websocket_bank_core_breaker_state',
    help: 'Circuit breaker around calls to bank-core: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    collect() {
      this.set(BREAKER_STATE_VALUE[breakerState()]);
    },
  });
  return { registry };
}

export type Metrics = ReturnType<typeof createMetrics>;
