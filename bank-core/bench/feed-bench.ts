/**
 * Event feed benchmark (`npm run bench:feed`): what ordering the feed after commit (migration 005's
 * sequencer) costs, and how long an event takes to reach a reader while other transactions stay open.
 *
 * What runs, on fresh databases of the PostgreSQL server in DATABASE_URL (default the local `test`):
 *   1. Sequencer cost per event. 10,000 transfers are posted with the service's own SQL (the ledger service in-process, bench-baselines.ts)
 *      by 32 clients with nothing sequencing them, then the backlog is sequenced in runs of 1,000:
 *      time and WAL bytes per event, beside the WAL one posting writes. The same for the alternative
 *      design that UPDATEs a position column of outbox_events (a partial index finds the rows without
 *      one), on its own database; there the posting also pays for that partial index.
 *   2. Live: two in-process bank-core instances (own pools, own feed); each posting notifies its
 *      instance's feed, as the service does. (a) 32 clients in a closed loop, with the sequencer and
 *      without, alternately: what it costs posting throughput at saturation. (b) transfers at a steady
 *      FEED_BENCH_RATE per second (default 300) for FEED_BENCH_SECONDS (10); a reader on the first
 *      instance measures commit -> feed latency (the posting's database time `createdAt` to the reader
 *      receiving it, same clock), with nothing else open, then while a transaction (with a
 *      transaction id) stays open in another database of the server, then in this database. The
 *      previous feed (xmin fence) would have handed out nothing during the last two.
 *   3. Embedded PGlite: the ledger service's transfers (group commit) by 32 concurrent callers in one
 *      process, with the feed notified (sequencer on) and with no feed at all, back to back.
 * FEED_BENCH_PHASES (default "1,2,3") picks phases. Prints figures only; exits non-zero if an event
 * was lost or repeated, or the ledger audit fails.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createLogger } from '@bank/common';
import type { Database } from '../src/db/database';
import { openDatabase } from '../src/db/open-database';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { createEventFeed } from '../src/services/event-feed.service';
import { createLedgerService } from '../src/services/ledger.service';
import { percentile, runLoad } from './bench-load';
import { createBenchDatabase } from './bench-process';
import { createServiceLedger } from './bench-baselines';
import { randomTransfer } from './bench-seed';
import { seedInProcess, UPDATE_ALTERNATIVE } from './feed-bench-setup';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = 32;
const BACKLOG = 10_000;
const LIVE = 4_000;
// The steady rate of phase 2b (transfers/s) and how long it lasts (s).
const RATE = Number(process.env.FEED_BENCH_RATE ?? 300);
const SECONDS = Number(process.env.FEED_BENCH_SECONDS ?? 10);
const POLL_MS = 250;
const logger = createLogger({ service: 'feed-bench', level: 'error', console: true });

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function walBytes(db: Database, work: () => Promise<void>): Promise<number> {
  const lsn = async () => (await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  const before = await lsn();
  await work();
  const { rows } = await db.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes', [before]);
  return Number(rows[0]!.bytes);
}

/** Phase 1 for one design: post a backlog unsequenced, then sequence it. */
async function backlogCost(serverUrl: string, design: 'insert-only' | 'update') {
  const database = await createBenchDatabase(serverUrl);
  const db = await openDatabase({ databaseUrl: database.url, poolSize: 4, dataDir: undefined });
  const raw = await createServiceLedger(database.url, CLIENTS);
  try {
    if (design === 'update') for (const sql of UPDATE_ALTERNATIVE.schema) await db.query(sql);
    const accounts = await seedInProcess(db, database.url);
    const next = randomTransfer(accounts);
    let posting = { perSecond: 0, p99Ms: 0 };
    const postingWal = await walBytes(db, async () => {
      posting = await runLoad(BACKLOG, CLIENTS, () => raw.transfer(next()));
    });
    const sequence = design === 'update' ? UPDATE_ALTERNATIVE.run : 'SELECT outbox_feed_sequence(1000) AS n';
    let seconds = 0;
    const sequencerWal = await walBytes(db, async () => {
      const started = performance.now();
      for (;;) {
        const { rows } = await db.query<{ n: number }>(sequence);
        if (rows[0]!.n < 1000) break;
      }
      seconds = (performance.now() - started) / 1000;
    });
    const events = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox_events')).rows[0]!.n);
    console.log(
      `${design.padEnd(11)} postings ${fmt(posting.perSecond)}/s (p99 ${fmt(posting.p99Ms, 1)} ms), ${fmt(postingWal / BACKLOG)} WAL bytes each; ` +
        `sequencing ${fmt(events)} events: ${fmt((seconds * 1e6) / events, 1)} µs and ${fmt(sequencerWal / events)} WAL bytes per event`,
    );
  } finally {
    await raw.close();
    await db.close();
    await database.drop();
  }
}

/**
 * Open loop: starts `operation` as often as `rate` per second owes since the start (timer drift does
 * not lower the rate), for `seconds`; resolves when all have finished.
 */
async function paced(rate: number, seconds: number, operation: (index: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  const running: Promise<void>[] = [];
  while (running.length < rate * seconds) {
    const due = Math.min(rate * seconds, Math.floor(((performance.now() - started) / 1000) * rate));
    while (running.length < due) running.push(operation(running.length));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(running);
  return running.length;
}

/** Phase 2: two instances posting (each notifying its own feed, as the service does) and one reader. */
async function live(serverUrl: string) {
  const database = await createBenchDatabase(serverUrl);
  // pg_stat_user_functions then counts the sequencer's runs and time (set before the pools connect).
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${database.name} SET track_functions = 'pl'`);
  await admin.end();
  const instances = await Promise.all(
    [0, 1].map(async () => {
      const db = await openDatabase({ databaseUrl: database.url, poolSize: CLIENTS / 2, dataDir: undefined });
      return { db, feed: createEventFeed({ db, pollMs: POLL_MS, logger }), raw: await createServiceLedger(database.url, CLIENTS / 2) };
    }),
  );
  const first = instances[0]!;
  try {
    const accounts = await seedInProcess(first.db, database.url);
    const next = randomTransfer(accounts);
    const post = (withFeed: boolean) => async (i: number) => {
      const instance = instances[i % 2]!;
      await instance.raw.transfer(next());
      if (withFeed) instance.feed.notify();
    };

    // a. Throughput at saturation, with the sequencer running after every posting and without, alternately.
    for (const withFeed of [false, true, false, true, false, true]) {
      const load = await runLoad(LIVE, CLIENTS, post(withFeed));
      console.log(`${withFeed ? 'sequenced after every posting' : 'no sequencer             '}: ${fmt(load.perSecond)} postings/s`);
    }
    await first.feed.startingPosition(undefined); // sequences what the runs without it left

    // b. Latency at a steady rate, with and without transactions held open meanwhile.
    const cases: [string, (() => Promise<() => Promise<void>>) | undefined][] = [
      ['nothing else open', undefined],
      ['a transaction open in another database', () => openTransactionIn(serverUrl)],
      ['a transaction open in this database (no event)', () => openTransactionIn(database.url)],
    ];
    for (const [label, during] of cases) {
      const reader = new AbortController();
      const latencies: number[] = [];
      const eventIds = new Set<string>();
      let repeated = 0;
      const start = await first.feed.startingPosition(undefined);
      const reading = (async () => {
        for await (const batch of first.feed.read(start, reader.signal)) {
          const now = Date.now();
          for (const { event } of batch) {
            if (eventIds.has(event.eventId)) repeated += 1;
            eventIds.add(event.eventId);
            latencies.push(now - Date.parse(event.createdAt));
          }
        }
      })();
      const close = during ? await during() : undefined;
      const posted = await paced(RATE, SECONDS, post(true));
      const deadline = Date.now() + 10_000;
      while (eventIds.size < posted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await close?.();
      reader.abort();
      await reading;
      latencies.sort((a, b) => a - b);
      console.log(
        `${label.padEnd(48)} reader got ${fmt(eventIds.size)} of ${fmt(posted)}, ${repeated} repeated; ` +
          `commit -> feed p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(latencies.at(-1) ?? NaN)} ms`,
      );
      if (eventIds.size !== posted || repeated > 0) process.exitCode = 1;
    }
    const { rows } = await first.db.query<{ calls: string; total: number }>(
      `SELECT calls::text, total_time AS total FROM pg_stat_user_functions WHERE funcname = 'outbox_feed_sequence'`,
    );
    const events = Number((await first.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox_feed')).rows[0]!.n);
    if (rows[0]) {
      console.log(
        `sequencer runs (both instances, whole phase): ${fmt(Number(rows[0].calls))}, ${fmt(events / Number(rows[0].calls), 1)} events per run, ` +
          `${fmt((rows[0].total * 1000) / events, 1)} µs of database time per event`,
      );
    }
    const failed = (await auditLedger(first.db)).filter((check) => check.violations.length > 0);
    if (failed.length > 0) {
      console.log('audit FAILED:', failed);
      process.exitCode = 1;
    }
  } finally {
    for (const instance of instances) {
      instance.feed.close();
      await instance.raw.close();
      await instance.db.close();
    }
    await database.drop();
  }
}

/** Opens a transaction with a transaction id on `url` and leaves it idle; returns what ends it. */
async function openTransactionIn(url: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT txid_current()');
  return async () => {
    await client.query('COMMIT');
    await client.end();
  };
}

/** Phase 3: the embedded database, the ledger service's group commit, with and without the feed. */
async function embedded() {
  for (const withFeed of [false, true, false, true, false, true]) {
    const db = await openDatabase({ databaseUrl: undefined, poolSize: 1, dataDir: undefined });
    const feed = createEventFeed({ db, pollMs: POLL_MS, logger });
    try {
      const accounts = await seedInProcess(db, undefined);
      const ledger = createLedgerService({ db, logger, onPosted: withFeed ? feed.notify : undefined });
      const next = randomTransfer(accounts);
      const send = async () => {
        const { from, to, amount } = next();
        await ledger.send({ userId: from.userId, requestId: null }, { fromAccountId: from.id, toAccountNumber: to.accountNumber, amount });
      };
      await runLoad(500, CLIENTS, send);
      const load = await runLoad(LIVE, CLIENTS, send);
      console.log(`PGlite ${withFeed ? 'with the feed sequencing' : 'with no feed          '}: ${fmt(load.perSecond)} transfers/s`);
    } finally {
      feed.close();
      await db.close();
    }
  }
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const phases = (process.env.FEED_BENCH_PHASES ?? '1,2,3').split(',');
  if (phases.includes('1')) {
    console.log(`1. Sequencer cost per event, ${fmt(BACKLOG)} transfers by ${CLIENTS} clients, then sequenced in runs of 1,000`);
    await backlogCost(serverUrl, 'insert-only');
    await backlogCost(serverUrl, 'update');
  }
  if (phases.includes('2')) {
    console.log(
      `\n2. Live, PostgreSQL, two instances: (a) ${fmt(LIVE)} transfers by ${CLIENTS} clients; (b) ${RATE} transfers/s for ${SECONDS} s, one feed reader`,
    );
    await live(serverUrl);
  }
  if (phases.includes('3')) {
    console.log(`\n3. Embedded PGlite: ${fmt(LIVE)} transfers by ${CLIENTS} concurrent callers (ledger service, group commit)`);
    await embedded();
  }
  const cpus = os.cpus();
  console.log(
    `\nMachine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}; ` +
      `load average at end ${os.loadavg()[0]?.toFixed(2)}. The load generator, bank-core and PostgreSQL share it.`,
  );
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
