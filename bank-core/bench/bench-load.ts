import { performance } from 'node:perf_hooks';

/** What one measured phase achieved: throughput over its wall time, latency of the successful operations. */
export interface LoadResult {
  count: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * A closed loop: `clients` workers each issue one operation, wait for it, and take the next, until
 * `total` operations have been issued. Throughput and latency therefore include queueing behind locks.
 */
export async function runLoad(total: number, clients: number, operation: (index: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const started = performance.now();
      try {
        await operation(index);
        latencies.push(performance.now() - started);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    firstError,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/** A warm-up phase (connections, JIT, caches), discarded, then the measured phase. */
export async function measure(
  sizes: { warmUp: number; measured: number; clients: number },
  operation: (index: number) => Promise<void>,
): Promise<LoadResult> {
  const warmUp = await runLoad(sizes.warmUp, sizes.clients, operation);
  if (warmUp.errors > 0) throw new Error(`warm-up failed ${warmUp.errors} times; first: ${warmUp.firstError}`);
  return runLoad(sizes.measured, sizes.clients, operation);
}

/** Runs `work` over `items` with at most `limit` in flight (set-up requests). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * An open loop: operations start on a fixed schedule (`ratePerSecond`, for `seconds`), whether or not the
 * earlier ones have answered, and each latency is measured from its scheduled start, so a stall counts
 * against every operation that should have started during it (no coordinated omission). Bounded: exactly
 * rate x seconds operations are issued.
 */
export async function runOpenLoop(ratePerSecond: number, seconds: number, operation: () => Promise<void>): Promise<LoadResult> {
  const total = Math.max(1, Math.round(ratePerSecond * seconds));
  const intervalMs = 1000 / ratePerSecond;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const scheduled = started + i * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      operation().then(
        () => void latencies.push(performance.now() - scheduled),
        (error: unknown) => {
          errors += 1;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    firstError,
    seconds: elapsed,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
