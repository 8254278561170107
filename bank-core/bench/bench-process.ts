import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { residentBytes } from './bench-compiled';
import type { BenchServerCommand, BenchServerMessage } from './bench-server';

export type AuditChecks = Extract<BenchServerMessage, { type: 'audit' }>['checks'];

export interface BenchServer {
  url: string;
  driver: string;
  /** The largest resident set size seen since the server was ready, in bytes (sampled every 100 ms). */
  peakRssBytes(): number;
  audit(): Promise<AuditChecks>;
  stop(): Promise<void>;
}

/** Starts bank-core in a child process with exactly `env` (nothing inherited that could change its config). */
export function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const child = fork(path.join(__dirname, 'bench-server.ts'), [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const early = (code: number | null) => reject(new Error(`bench server exited with ${code} before listening`));
    child.once('exit', early);
    child.once('message', (message: BenchServerMessage) => {
      if (message.type !== 'ready') return reject(new Error(`unexpected message ${message.type}`));
      child.off('exit', early);
      let peak = 0;
      const sample = () => (peak = Math.max(peak, residentBytes(child.pid!)));
      const sampler = setInterval(sample, 100);
      child.once('exit', () => clearInterval(sampler));
      resolve({
        url: message.url,
        driver: message.driver,
        peakRssBytes: () => Math.max(peak, sample()),
        audit: async () => {
          const reply = await ask(child, { type: 'audit' }, 'audit');
          return reply.checks;
        },
        stop: async () => {
          await ask(child, { type: 'stop' }, 'stopped');
          await new Promise<void>((done) => (child.exitCode === null ? child.once('exit', () => done()) : done()));
        },
      });
    });
  });
}

function ask<T extends BenchServerMessage['type']>(
  child: ChildProcess,
  command: BenchServerCommand,
  answer: T,
): Promise<Extract<BenchServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`bench server exited with ${code} during ${command.type}`));
    child.once('exit', exited);
    const onMessage = (message: BenchServerMessage) => {
      if (message.type !== answer) return;
      child.off('message', onMessage);
      child.off('exit', exited);
      resolve(message as Extract<BenchServerMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(command);
  });
}

export interface BenchDatabase {
  url: string;
  name: string;
  serverVersion: string;
  drop(): Promise<void>;
}

/** A fresh database on the server, created and dropped through the admin connection (as the tests do). */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `bank_bench_${randomBytes(6).toString('hex')}`;
  const serverVersion = await withAdmin(serverUrl, async (admin) => {
    await admin.query(`CREATE DATABASE ${name}`);
    return (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    serverVersion,
    drop: () => withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
