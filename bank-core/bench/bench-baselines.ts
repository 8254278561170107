import pg from 'pg';
import type { Database } from '../src/db/database';
import { openDatabase } from '../src/db/open-database';
import { createLedgerService } from '../src/services/ledger.service';
import { createLogger } from '@bank/common';
import type { BenchAccount, Transfer } from './bench-seed';

/**
 * The database's limit for a transfer: a minimal durable double-entry transfer in one plpgsql call,
 * on tables of its own with one row per bench account (same count, same server, same 32 connections):
 * lock both rows in id order, update both balances, insert two entries, commit. No transaction row, no
 * outbox, no idempotency, no checks: what any ledger on this server must at least pay per transfer.
 */
export async function createMinimalLedger(connectionString: string, poolSize: number, accounts: BenchAccount[]) {
  const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'bank-bench-minimal' });
  pool.on('error', () => undefined);
  await pool.query(`
    CREATE TABLE bench_min_accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL);
    CREATE TABLE bench_min_entries (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id INTEGER NOT NULL, amount BIGINT NOT NULL);
    CREATE FUNCTION bench_min_transfer(p_from INTEGER, p_to INTEGER, p_amount BIGINT) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM bench_min_accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
      UPDATE bench_min_accounts SET balance = balance - p_amount WHERE id = p_from;
      UPDATE bench_min_accounts SET balance = balance + p_amount WHERE id = p_to;
      INSERT INTO bench_min_entries (account_id, amount) VALUES (p_from, -p_amount), (p_to, p_amount);
    END $$;
    INSERT INTO bench_min_accounts (id, balance) SELECT g, 1000000000 FROM generate_series(1, ${accounts.length}) g;
  `);
  const index = new Map(accounts.map((account, i) => [account.id, i + 1]));
  return {
    async transfer({ from, to, amount }: Transfer): Promise<void> {
      await pool.query('SELECT bench_min_transfer($1, $2, $3)', [index.get(from.id), index.get(to.id), amount]);
    },
    close: () => pool.end(),
  };
}

/**
 * The service's own SQL without HTTP: bank-core's ledger service (group commit, ledger_post_movements)
 * in this process, on its own pool, with no HTTP, authentication, validation or JSON on top.
 */
export async function createServiceLedger(connectionString: string, poolSize: number) {
  const db: Database = await openDatabase({ databaseUrl: connectionString, poolSize, dataDir: undefined });
  const ledger = createLedgerService({ db, logger: createLogger({ service: 'bench', level: 'error', console: true }) });
  const who = (account: BenchAccount) => ({ userId: account.userId, requestId: null });
  return {
    async transfer({ from, to, amount }: Transfer): Promise<void> {
      await ledger.send(who(from), { fromAccountId: from.id, toAccountNumber: to.accountNumber, amount });
    },
    async deposit({ to, amount }: Transfer): Promise<void> {
      await ledger.deposit(who(to), { accountId: to.id, amount });
    },
    close: () => db.close(),
  };
}
