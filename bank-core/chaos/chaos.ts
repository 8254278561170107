/**
 * Fault run (`npm run chaos`; CI runs `CHAOS_PROFILE=short npm run chaos`): money keeps its promises while
 * bank-core is killed and its database connections are dropped under load.
 *
 * What runs
 *   - A scratch database `bank_bench_<random>` on the PostgreSQL server of DATABASE_URL (default
 *     postgres://postgres@127.0.0.1:5432/test), dropped at the end.
 *   - bank-core as a real process (`npm start`'s way: node + tsx), NODE_ENV=production, connected to the
 *     database through a TCP proxy this script controls, on a fixed port so restarts keep the address.
 *   - Customers made through the API, each account opening with 10,000,000 minor units; then clients pay
 *     each other small random amounts, each payment with its own Idempotency-Key, retried with the same key
 *     and body after every answer that is not definitive (cut connection, 503, 409, 500) until one is.
 *   - Faults at set points of progress: kill -9 of bank-core (restarted at once), pg_terminate_backend of
 *     every bank-core connection, and a database outage (the proxy drops every connection and refuses new
 *     ones for a few seconds).
 *   - Then, from the database with bank-core stopped: every acknowledged payment present exactly once, none
 *     applied twice, no refused one posted, every balance as the acknowledged payments say, money conserved,
 *     the ledger audit clean. Exits 1 if any of these fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createBenchDatabase } from '../bench/bench-process';
import { openDatabase } from '../src/db/open-database';
import { pay, planIntents, type AttemptLog, type ChaosAccount } from './chaos-client';
import { verifyRun } from './chaos-verify';
import { startFaultProxy } from './fault-proxy';
import { freePort, startServiceProcess, type ServiceProcess } from './service-process';

type FaultKind = 'kill -9 bank-core' | 'terminate database backends' | 'database outage';
interface Fault {
  at: number;
  kind: FaultKind;
}

const PROFILES = {
  short: {
    customers: 12,
    clients: 16,
    payments: 1_200,
    outageMs: 2_000,
    faults: [
      { at: 0.2, kind: 'kill -9 bank-core' },
      { at: 0.45, kind: 'terminate database backends' },
      { at: 0.7, kind: 'database outage' },
    ] as Fault[],
  },
  full: {
    customers: 40,
    clients: 32,
    payments: 8_000,
    outageMs: 4_000,
    faults: [
      { at: 0.1, kind: 'kill -9 bank-core' },
      { at: 0.25, kind: 'terminate database backends' },
      { at: 0.4, kind: 'database outage' },
      { at: 0.55, kind: 'kill -9 bank-core' },
      { at: 0.7, kind: 'terminate database backends' },
      { at: 0.85, kind: 'kill -9 bank-core' },
    ] as Fault[],
  },
};
const OPENING = 10_000_000;
const GIVE_UP_MS = 120_000;
const SECRET = 'chaos-secret-that-is-long-enough-for-hs256-0123456789';
const PASSWORD = 'chaos password, long enough';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (n: number) => n.toLocaleString('en-US');

async function json(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function seed(baseUrl: string, customers: number): Promise<ChaosAccount[]> {
  const accounts: ChaosAccount[] = [];
  for (let i = 0; i < customers; i += 1) {
    const email = `chaos-${Date.now()}-${i}@example.com`;
    const signup = await json(`${baseUrl}/api/users/signup`, { name: `Chaos ${i}`, email, password: PASSWORD });
    const { token } = (await json(`${baseUrl}/api/users/login`, { email, password: PASSWORD })) as { token: string };
    const account = signup.account as { id: string; accountNumber: string };
    await json(`${baseUrl}/api/transactions/deposit`, { accountId: account.id, amount: OPENING }, token);
    accounts.push({ userId: signup.id as string, accountId: account.id, accountNumber: account.accountNumber, token });
  }
  return accounts;
}

async function main(): Promise<void> {
  const profileName = process.env.CHAOS_PROFILE === 'short' ? 'short' : 'full';
  const profile = PROFILES[profileName];
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const database = await createBenchDatabase(serverUrl);
  const target = new URL(serverUrl);
  const proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bank-chaos-'));
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_PORT_1: String(await freePort()),
    DATA_DIR: dataDir,
    DATABASE_URL: proxy.via(database.url),
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    JWT_SECRET: SECRET,
    BCRYPT_COST: '4',
    LOG_CONSOLE: 'false',
    LOG_LEVEL: 'warn',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
  };
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  let service: ServiceProcess = await startServiceProcess(env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: profile.clients });
  let exitCode = 1;
  try {
    const accounts = await seed(service.url, profile.customers);
    const intents = planIntents(accounts, profile.payments, 7);
    const log: AttemptLog = { failures: { network: 0, '503': 0, '409': 0, '429': 0, '500': 0, other: 0 }, successes: [] };
    let next = 0;
    let settled = 0;
    const started = Date.now();
    const worker = async () => {
      for (let intent = intents[next++]; intent; intent = intents[next++]) {
        intent.startedAt = Date.now();
        await pay(service.url, agent, intent, log, GIVE_UP_MS);
        settled += 1;
      }
    };
    const workers = Promise.all(Array.from({ length: profile.clients }, worker));

    const happened: { kind: FaultKind; startedAt: number; endedAt: number }[] = [];
    for (const fault of profile.faults) {
      while (settled < fault.at * intents.length) await sleep(20);
      const startedAt = Date.now();
      if (fault.kind === 'kill -9 bank-core') {
        await service.kill();
        service = await startServiceProcess(env);
      } else if (fault.kind === 'terminate database backends') {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'bank-core'`, [
          database.name,
        ]);
      } else {
        proxy.cut();
        await sleep(profile.outageMs);
        proxy.restore();
      }
      happened.push({ kind: fault.kind, startedAt, endedAt: Date.now() });
    }
    await workers;
    const seconds = (Date.now() - started) / 1000;
    await service.stop();

    const db = await openDatabase({ databaseUrl: database.url, poolSize: 2, dataDir: undefined });
    const verdicts = await verifyRun(db, accounts, OPENING, intents).finally(() => db.close());

    const attempts = intents.reduce((sum, intent) => sum + intent.attempts, 0);
    const failed = Object.values(log.failures).reduce((sum, n) => sum + n, 0);
    const outcomes = new Map<string, number>();
    for (const intent of intents) {
      const key = intent.outcome ? `${intent.outcome.status}${intent.outcome.replayed ? ' replayed' : ''}` : 'unresolved';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    console.log(
      `chaos (${profileName}): PostgreSQL ${rows[0]!.server_version}, ${os.cpus().length} cores, ${profile.clients} clients, ` +
        `${count(intents.length)} payments between ${profile.customers} customers in ${seconds.toFixed(1)} s`,
    );
    console.log('faults (time to the first acknowledged payment after the fault began):');
    for (const fault of happened) {
      const recovered = log.successes.filter((at) => at >= fault.endedAt).sort((a, b) => a - b)[0];
      const took = recovered === undefined ? 'never' : `${((recovered - fault.startedAt) / 1000).toFixed(2)} s`;
      console.log(`  ${fault.kind.padEnd(28)} lasted ${((fault.endedAt - fault.startedAt) / 1000).toFixed(2)} s, recovered in ${took}`);
    }
    console.log(
      `requests: ${count(attempts)} sent, ${count(failed)} failed and retried (` +
        Object.entries(log.failures)
          .map(([kind, n]) => `${kind} ${count(n)}`)
          .join(', ') +
        `); answers: ${[...outcomes].map(([kind, n]) => `${kind}: ${count(n)}`).join(', ')}`,
    );
    for (const verdict of verdicts) console.log(`  ${verdict.ok ? 'ok  ' : 'FAIL'}  ${verdict.name} (${verdict.detail})`);
    exitCode = verdicts.every((verdict) => verdict.ok) && log.failures['500'] === 0 ? 0 : 1;
    if (log.failures['500'] > 0) console.log(`FAIL  ${log.failures['500']} answers were 500: every 500 is a bug`);
    console.log(exitCode === 0 ? 'chaos run passed' : 'chaos run FAILED');
  } catch (error) {
    console.error('chaos run could not complete:', error, '\nbank-core output:\n', service.output());
  } finally {
    agent.destroy();
    await service.kill();
    await admin.end();
    await proxy.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exitCode = exitCode;
}

void main();
