import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

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
