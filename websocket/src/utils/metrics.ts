import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The service's Prometheus registry (served at /metrics), one per server so tests can start many: Node
 * process metrics, plus what the parts register (the JetStream consumer's lag).
 */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
