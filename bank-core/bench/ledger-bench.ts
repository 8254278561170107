/**
 * Ledger benchmark (`npm run bench`): how fast bank-core moves money, against the database's own limit
 * for a transfer measured in the same run.
 *
 * What runs
 *   - bank-core runs compiled (`npm run build`, then `node bank-core/dist/main.js`, NODE_ENV=production) in a
 *     process of its own against a fresh database `bank_bench_<random>` created on the PostgreSQL server
 *     named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and dropped at the end.
 *   - 250 users x 4 accounts = 1,000 accounts are made through the API, each opening with 10,000,000.00.
 *   - Cases, each measured closed-loop (32 clients, each sends, waits for the answer, sends the next; 500
 *     warm-up discarded, then 5,000 measured), back to back on the same data:
 *       (a) transfers between random accounts;
 *       (b) transfers all out of one hot account;
 *       (c) deposits into random accounts (each also moves the currency's one settlement account).
 *     For each, three paths:
 *       - the limit: a minimal durable double-entry transfer in one plpgsql call on tables of its own
 *         (lock both rows in id order, update both balances, insert two entries; bench-baselines.ts), over
 *         32 connections: what the database can do for any ledger. (b) uses a hot sender there too; (a)
 *         and (c) use random pairs (deposits are held to the same bar as spread-out transfers);
 *       - the service's SQL without HTTP: bank-core's ledger service (group commit) in this process;
 *       - the API: bank-core over keep-alive HTTP with a bearer token.
 *   - Latency open-loop: (a) through the API at a quarter and at half of the rate it reached closed-loop, 10 s each; every
 *     latency is measured from the moment its request was due (no coordinated omission).
 *   - (d) the embedded mode: bank-core on PGlite (files in a temporary DATA_DIR), case (a), closed loop.
 *   - bank-core's peak RSS is sampled every 100 ms while it runs.
 *   - Each database is audited (ledger-audit.repository.ts `auditLedger`) before it is thrown away.
 *
 * How to read the figures
 *   - /s: successful movements over the phase's wall time; p50 / p99: latency of one movement as a client
 *     sees it, queueing included (closed loop: latency ~ 32 / throughput).
 *   - API / limit: the API's movements/s over the minimal transfer's, same case, same run. Targets:
 *     >= 0.5 for (a), (b) and (c); open-loop p99 <= 30 ms; PGlite >= 1,000/s; RSS <= 150 MiB.
 *   - The load generator, bank-core and PostgreSQL share one machine (named at the end with its load
 *     average at start); compare ratios from one run, not figures across machines.
 *   - Exits non-zero only when a request failed or an audit check failed; missed targets are reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMinimalLedger, createServiceLedger } from './bench-baselines';
import { createJsonClient, type JsonClient } from './bench-http';
import { measure, runOpenLoop, type LoadResult } from './bench-load';
import { startCompiledBenchServer } from './bench-compiled';
import { createBenchDatabase, type BenchServer } from './bench-process';
import { formatAudit, formatLine, formatTable, machineLine, rssLine, type Row } from './bench-report';
import { hotTransfer, overApi, randomDeposit, randomTransfer, seedAccounts, type BenchAccount } from './bench-seed';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
// BENCH_MEASURED and BENCH_WARM_UP shrink a run to check that the script works; figures come from the defaults.
const SIZES = { clients: 32, warmUp: Number(process.env.BENCH_WARM_UP ?? 500), measured: Number(process.env.BENCH_MEASURED ?? 5_000) };
const SEED = { users: 250, accountsPerUser: 4, openingBalance: 1_000_000_000, clients: SIZES.clients };
const OPEN_LOOP_SECONDS = Number(process.env.BENCH_OPEN_LOOP_SECONDS ?? 10);
const OPEN_LOOP_SHARES = [0.25, 0.5] as const;
const CASES = {
  random: '(a) transfers, random pairs of 1,000 accounts',
  hot: '(b) transfers, one hot sender',
  deposits: '(c) deposits, random accounts (one settlement account)',
  openLoop: '(a) open loop',
  pglite: '(d) PGlite: transfers, random pairs',
};
const PATHS = { limit: 'minimal locked transfer (the limit)', service: "service's SQL, no HTTP", api: 'bank-core API' };

/** The test-like configuration: fast hashing, rate limits out of the way, errors-only logs. */
function serviceEnv(dataDir: string, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_PORT_1: '0',
    DATA_DIR: dataDir,
    JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
    LOOKUP_RATE_LIMIT_PER_MINUTE: '10000000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'error',
    LOG_CONSOLE: 'false',
    ...extra,
  };
}

/** Starts a server, seeds it, runs `phases`, audits, and always stops the server and removes its files. */
async function withSeededServer<T>(
  env: (dataDir: string) => Record<string, string>,
  phases: (ctx: { server: BenchServer; client: JsonClient; accounts: BenchAccount[] }) => Promise<T>,
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-bench-'));
  let server: BenchServer | undefined;
  let client: JsonClient | undefined;
  try {
    server = await startCompiledBenchServer(env(dataDir));
    client = createJsonClient(server.url, SIZES.clients);
    const seedStarted = Date.now();
    const accounts = await seedAccounts(client, SEED);
    console.log(
      `${server.driver}: ${accounts.length.toLocaleString('en-US')} accounts made and funded through the API in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`,
    );
    const result = await phases({ server, client, accounts });
    return { result, audit: await server.audit(), peakRss: server.peakRssBytes() };
  } finally {
    client?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const row = (scenario: string, pathName: string, result: LoadResult, extra: Partial<Row> = {}): Row => {
  const made: Row = { scenario, path: pathName, result, targets: [], ...extra };
  console.log(formatLine(made));
  return made;
};

async function benchPostgres(serverUrl: string) {
  const database = await createBenchDatabase(serverUrl);
  console.log(`PostgreSQL ${database.serverVersion}: bench database ${database.name}`);
  try {
    const {
      result: rows,
      audit,
      peakRss,
    } = await withSeededServer(
      (dataDir) => serviceEnv(dataDir, { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(SIZES.clients) }),
      async ({ client, accounts }) => {
        const minimal = await createMinimalLedger(database.url, SIZES.clients, accounts);
        const service = await createServiceLedger(database.url, SIZES.clients);
        try {
          const rows: Row[] = [];
          const random = randomTransfer(accounts);
          const cases = [
            { scenario: CASES.random, next: random, kind: 'transfer', limit: random },
            { scenario: CASES.hot, next: hotTransfer(accounts), kind: 'transfer', limit: hotTransfer(accounts) },
            { scenario: CASES.deposits, next: randomDeposit(accounts), kind: 'deposit', limit: random },
          ] as const;
          // The three paths of a case back to back, so they see the same data and table sizes.
          for (const { scenario, next, kind, limit } of cases) {
            const limitResult = await measure(SIZES, () => minimal.transfer(limit()));
            rows.push(row(scenario, PATHS.limit, limitResult));
            rows.push(
              row(
                scenario,
                PATHS.service,
                await measure(SIZES, () => (kind === 'deposit' ? service.deposit(next()) : service.transfer(next()))),
              ),
            );
            const api = await measure(SIZES, overApi(client, next, kind));
            rows.push(row(scenario, PATHS.api, api, { ratio: api.perSecond / limitResult.perSecond, targets: ['ratio'] }));
          }
          const apiMax = rows.find((r) => r.scenario === CASES.random && r.path === PATHS.api)!.result.perSecond;
          // Half the closed-loop maximum is the target's rate; a quarter shows how the tail behaves with more headroom.
          for (const share of OPEN_LOOP_SHARES) {
            const rate = Math.max(1, Math.floor(apiMax * share));
            rows.push(
              row(
                `${CASES.openLoop} at ${share * 100}% of the API maximum`,
                `${PATHS.api} at ${rate}/s`,
                await runOpenLoop(rate, OPEN_LOOP_SECONDS, overApi(client, random, 'transfer')),
                { targets: share === 0.5 ? ['p99'] : [] },
              ),
            );
          }
          return rows;
        } finally {
          await minimal.close();
          await service.close();
        }
      },
    );
    return { rows, audit, peakRss, serverVersion: database.serverVersion };
  } finally {
    await database.drop();
  }
}

async function benchPglite() {
  const {
    result: rows,
    audit,
    peakRss,
  } = await withSeededServer(
    (dataDir) => serviceEnv(dataDir, {}),
    async ({ client, accounts }) => [
      row(CASES.pglite, `${PATHS.api}, PGlite (embedded)`, await measure(SIZES, overApi(client, randomTransfer(accounts), 'transfer')), {
        targets: ['pglite'],
      }),
    ],
  );
  return { rows, audit, peakRss };
}

async function main(): Promise<number> {
  // The server runs compiled, as in production; the build is incremental, so this is quick when up to date.
  execFileSync('npm', ['run', 'build'], { cwd: path.resolve(__dirname, '../..'), stdio: 'inherit' });
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const loadAtStart = os.loadavg()[0] ?? 0;
  const postgres = await benchPostgres(serverUrl);
  const postgresAudit = formatAudit(`PostgreSQL bench database (${postgres.audit[0]?.checked ?? 0} transactions)`, postgres.audit);
  console.log(postgresAudit.text);
  const pglite = await benchPglite();
  const pgliteAudit = formatAudit(`PGlite bench database (${pglite.audit[0]?.checked ?? 0} transactions)`, pglite.audit);
  console.log(pgliteAudit.text);

  const rows = [...postgres.rows, ...pglite.rows];
  console.log(`\n${formatTable(rows)}\n`);
  console.log(rssLine('bank-core on PostgreSQL', postgres.peakRss));
  console.log(rssLine('bank-core on PGlite', pglite.peakRss));
  console.log(`\n${machineLine(postgres.serverVersion, SIZES, loadAtStart)}`);
  const failed = rows.some((r) => r.result.errors > 0) || !postgresAudit.passed || !pgliteAudit.passed;
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
