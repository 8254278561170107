/**
 * Ledger benchmark (`npm run bench`): how fast bank-core moves money, and how close it gets to the
 * database's own limit for the same work.
 *
 * What runs
 *   - bank-core is started with server.ts `start()` in a child process (its own event loop, as in
 *     production) against a fresh database `bank_bench_<random>` created on the PostgreSQL server
 *     named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and dropped at the end.
 *   - 250 users x 4 accounts = 1,000 accounts are made through the API (signup, login, open account,
 *     deposit), each opening with 10,000,000.00.
 *   - 32 clients in a closed loop (each sends one transfer, waits for the answer, sends the next) over
 *     keep-alive HTTP; 500 warm-up transfers are discarded, then 5,000 are measured, per case:
 *       (a) random: any of the 1,000 accounts to any other;
 *       (b) hot: every transfer leaves the same account (to a random recipient), so each one waits for
 *           that account's row lock: this measures how long the service holds the lock per transfer.
 *   - The raw limit, same server, same data, same 32-way concurrency: the service's own transfer SQL
 *     (ledger.repository.ts: findPostingAccounts, then the one ledger_post call that locks and writes) straight
 *     through a pg Pool of 32, with no HTTP, auth, validation or JSON on top.
 *   - (c) the embedded mode: bank-core on PGlite (files in a temporary DATA_DIR), case (a) only.
 *   - Each database is audited (ledger-audit.repository.ts `auditLedger`) before it is thrown away.
 *
 * How to read the figures
 *   - transfers/s: successful transfers over the measured phase's wall time.
 *   - p50 / p99: latency of one transfer as a client sees it, queueing included. In a closed loop
 *     latency ~ 32 / throughput, so p99 <= 30 ms needs well over 1,000 transfers/s on that path; in
 *     case (b) p99 mostly shows how unevenly PostgreSQL hands the hot row's lock to its waiters.
 *   - API / raw: the API's transfers/s over the raw limit's for the same case; 1.0 would mean the
 *     HTTP service costs nothing beyond its SQL. Targets: API/raw >= 0.5, p99 <= 30 ms, PGlite >= 1,000/s.
 *   - The load generator, bank-core and PostgreSQL share one machine (printed at the end, with its load
 *     average at start), so on few cores the API figures also pay for the client's CPU and for anything
 *     else running; compare runs on the same, otherwise idle machine only.
 *   - Exits non-zero only when a transfer failed or an audit check failed; missed targets are reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJsonClient, type JsonClient } from './bench-http';
import { measure, type LoadResult } from './bench-load';
import { createBenchDatabase, startBenchServer, type AuditChecks, type BenchServer } from './bench-process';
import { createRawLedger } from './bench-raw';
import { formatAudit, formatLine, formatTable, machineLine, type Row } from './bench-report';
import { hotTransfer, randomTransfer, seedAccounts, type Transfer } from './bench-seed';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const SIZES = { clients: 32, warmUp: 500, measured: 5_000 };
const SEED = { users: 250, accountsPerUser: 4, openingBalance: 1_000_000_000, clients: SIZES.clients };
const RANDOM = '(a) random, 1,000 accounts';
const HOT = '(b) one hot sender';
const PGLITE = '(c) random, 1,000 accounts';

/** The test-like configuration: fast hashing, rate limits out of the way, errors-only logs. */
function serviceEnv(dataDir: string, extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
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

const sendThroughApi = (client: JsonClient, next: () => Transfer) => async () => {
  const { from, to, amount } = next();
  await client.post('/api/transactions/send', { fromAccountId: from.id, toAccountNumber: to.accountNumber, amount }, 201, from.token);
};

/** Starts a server, seeds it, runs `phases`, audits, and always stops the server and removes its files. */
async function withSeededServer<T>(
  env: (dataDir: string) => Record<string, string>,
  phases: (ctx: { server: BenchServer; client: JsonClient; transfers: { random: () => Transfer; hot: () => Transfer } }) => Promise<T>,
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-bench-'));
  let server: BenchServer | undefined;
  let client: JsonClient | undefined;
  try {
    server = await startBenchServer(env(dataDir));
    client = createJsonClient(server.url, SIZES.clients);
    const seedStarted = Date.now();
    const accounts = await seedAccounts(client, SEED);
    console.log(
      `${server.driver}: ${accounts.length.toLocaleString('en-US')} accounts made and funded through the API in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`,
    );
    const result = await phases({ server, client, transfers: { random: randomTransfer(accounts), hot: hotTransfer(accounts) } });
    return { result, audit: await server.audit() };
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

async function benchPostgres(serverUrl: string): Promise<{ rows: Row[]; audit: AuditChecks; serverVersion: string }> {
  const database = await createBenchDatabase(serverUrl);
  console.log(`PostgreSQL ${database.serverVersion}: bench database ${database.name}`);
  try {
    const { result: rows, audit } = await withSeededServer(
      (dataDir) => serviceEnv(dataDir, { DATABASE_URL: database.url, DATABASE_POOL_SIZE: String(SIZES.clients) }),
      async ({ client, transfers }) => {
        const raw = createRawLedger(database.url, SIZES.clients);
        try {
          const rows: Row[] = [];
          // API then raw for each case, back to back, so both see the same data and table sizes.
          for (const [scenario, next] of [
            [RANDOM, transfers.random],
            [HOT, transfers.hot],
          ] as const) {
            const api = await measure(SIZES, sendThroughApi(client, next));
            const limit = await measure(SIZES, () => raw.transfer(next()));
            rows.push(row(scenario, 'raw pg, same SQL (limit)', limit));
            rows.push(
              row(scenario, 'bank-core API, PostgreSQL', api, { ratio: api.perSecond / limit.perSecond, targets: ['ratio', 'p99'] }),
            );
          }
          return rows;
        } finally {
          await raw.close();
        }
      },
    );
    return { rows, audit, serverVersion: database.serverVersion };
  } finally {
    await database.drop();
  }
}

async function benchPglite(): Promise<{ rows: Row[]; audit: AuditChecks }> {
  const { result: rows, audit } = await withSeededServer(
    (dataDir) => serviceEnv(dataDir, {}),
    async ({ client, transfers }) => [
      row(PGLITE, 'bank-core API, PGlite (embedded)', await measure(SIZES, sendThroughApi(client, transfers.random)), {
        targets: ['pglite', 'p99'],
      }),
    ],
  );
  return { rows, audit };
}

async function main(): Promise<number> {
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const loadAtStart = os.loadavg()[0] ?? 0;
  const postgres = await benchPostgres(serverUrl);
  const postgresAudit = formatAudit(`PostgreSQL bench database (${postgres.audit[0]?.checked ?? 0} transactions)`, postgres.audit);
  console.log(postgresAudit.text);
  const pglite = await benchPglite();
  const pgliteAudit = formatAudit(`PGlite bench database (${pglite.audit[0]?.checked ?? 0} transactions)`, pglite.audit);
  console.log(pgliteAudit.text);

  const rows = [...postgres.rows, ...pglite.rows];
  console.log(`\n${formatTable(rows)}\n\n${machineLine(postgres.serverVersion, SIZES, loadAtStart)}`);
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
