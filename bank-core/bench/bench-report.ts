import os from 'node:os';
import type { LoadResult } from './bench-load';
import type { AuditChecks } from './bench-process';

export const TARGETS = { minRatio: 0.5, maxP99Ms: 30, minPgliteRate: 1_000, maxRssMiB: 150 };

export interface Row {
  scenario: string;
  path: string;
  result: LoadResult;
  /** API throughput over the minimal locked transfer's (the database's limit) in the same run. */
  ratio?: number;
  /** Which targets apply to this row. */
  targets: ('ratio' | 'p99' | 'pglite')[];
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(1);

function targetVerdicts(row: Row): string[] {
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return row.targets.map((target) => {
    if (target === 'ratio') return `API/limit >= ${TARGETS.minRatio}: ${verdict((row.ratio ?? 0) >= TARGETS.minRatio)}`;
    if (target === 'p99') return `p99 <= ${TARGETS.maxP99Ms} ms: ${verdict(row.result.p99Ms <= TARGETS.maxP99Ms)}`;
    return `>= ${int(TARGETS.minPgliteRate)}/s: ${verdict(row.result.perSecond >= TARGETS.minPgliteRate)}`;
  });
}

/** One line per measured phase, printed as soon as it ends. */
export function formatLine(row: Row): string {
  const { result } = row;
  const errors = result.errors ? `  ${result.errors} FAILED (first: ${result.firstError})` : '';
  const ratio = row.ratio === undefined ? '' : `  API/limit ${row.ratio.toFixed(2)}`;
  const verdicts = targetVerdicts(row);
  return (
    `${row.scenario} | ${row.path}: ${int(result.perSecond)}/s, p50 ${ms(result.p50Ms)} ms, p99 ${ms(result.p99Ms)} ms` +
    ` (${result.count} in ${result.seconds.toFixed(2)} s)${ratio}${errors}${verdicts.length ? `  [${verdicts.join('; ')}]` : ''}`
  );
}

export function formatTable(rows: Row[]): string {
  const lines = [
    '| Case | Path | Movements/s | p50 (ms) | p99 (ms) | API / limit | Targets |',
    '|---|---|--:|--:|--:|--:|---|',
    ...rows.map(
      (row) =>
        `| ${row.scenario} | ${row.path} | ${int(row.result.perSecond)} | ${ms(row.result.p50Ms)} | ${ms(row.result.p99Ms)} | ` +
        `${row.ratio === undefined ? '' : row.ratio.toFixed(2)} | ${targetVerdicts(row).join('; ')} |`,
    ),
  ];
  return lines.join('\n');
}

export function formatAudit(label: string, checks: AuditChecks): { text: string; passed: boolean } {
  const passed = checks.every((check) => check.violations.length === 0);
  const lines = checks.map(
    (check) =>
      `  ${check.violations.length === 0 ? 'ok  ' : 'FAIL'} ${check.name} (${int(check.checked)} checked)` +
      check.violations.map((violation) => `\n         ${violation}`).join(''),
  );
  return { text: `Ledger audit, ${label}: ${passed ? 'every check passed' : 'FAILED'}\n${lines.join('\n')}`, passed };
}

export function machineLine(
  postgresVersion: string,
  sizes: { clients: number; warmUp: number; measured: number },
  loadAtStart: number,
): string {
  const cpus = os.cpus();
  return (
    `Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores (os.cpus()), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, PostgreSQL ${postgresVersion}; ` +
    `${sizes.clients} concurrent clients, ${int(sizes.measured)} measured transfers per case after ${int(sizes.warmUp)} warm-up. ` +
    `Load generator, bank-core and PostgreSQL share this machine (1-minute load average at start: ${loadAtStart.toFixed(2)}).`
  );
}

/** Peak resident memory of a service during the bench, against the target. */
export function rssLine(service: string, bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${service} peak RSS during the bench: ${mib.toFixed(0)} MiB (target <= ${TARGETS.maxRssMiB} MiB: ${mib <= TARGETS.maxRssMiB ? 'met' : 'MISSED'})`;
}
