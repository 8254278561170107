import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type BreakerState } from '../services/bank-core-breaker';

/**
 * The websocket service's Prometheus registry, one per server (tests start many): Node process metrics
 * and `websocket_open_sockets`, the authenticated sockets this instance holds, read from the socket
 * registry at each scrape. Other parts of the service add their gauges to `registry`.
 */
export function createMetrics({ openSockets }: { openSockets: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'websocket_open_sockets',
    help: 'Authenticated WebSocket connections open on this instance',
    registers: [registry],
    collect() {
      this.set(openSockets());
    },
  });
  return { registry };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `websocket_bank_core_breaker_state`, read at each scrape: 0 closed, 1 half-open, 2 open (services/bank-core-breaker.ts). */
export function addBreakerGauge(registry: Registry, state: () => BreakerState): void {
  new Gauge({
    name: 'websocket_bank_core_breaker_state',
    help: 'Circuit breaker around calls to bank-core: 0 closed, 1 half-open, 2 open',
    registers: [registry],
    collect() {
      this.set(BREAKER_STATE_VALUE[state()]);
    },
  });
}
