import { readFileSync } from 'node:fs';
import { startServiceProcess } from '../chaos/service-process';
import { openDatabase } from '../src/db/open-database';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import type { AuditChecks, BenchServer } from './bench-process';

/** VmRSS of a process, from /proc (Linux); 0 where it cannot be read. */
export function residentBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * bank-core as it runs in production: the compiled server (`node bank-core/dist/main.js`, built first by
 * the caller) in a process of its own with exactly `env`. Its peak RSS is sampled every 100 ms. `audit`
 * stops it first (the embedded database admits one process), then audits its database from here.
 */
export async function startCompiledBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const service = await startServiceProcess(env, { compiled: true });
  let peak = 0;
  const sample = () => (peak = Math.max(peak, residentBytes(service.pid)));
  const sampler = setInterval(sample, 100);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      sample();
      clearInterval(sampler);
      await service.stop();
    })());
  return {
    url: service.url,
    driver: env.DATABASE_URL ? 'pg' : 'pglite',
    peakRssBytes: () => (stopped ? peak : Math.max(peak, sample())),
    async audit(): Promise<AuditChecks> {
      await stop();
      const db = await openDatabase({ databaseUrl: env.DATABASE_URL, poolSize: 2, dataDir: env.DATA_DIR });
      try {
        return await auditLedger(db);
      } finally {
        await db.close();
      }
    },
    stop,
  };
}
