import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queryable, QueryResult, Row } from '../src/db/database';
import { findPostingAccounts, postTransaction, type LedgerAccount } from '../src/repositories/ledger.repository';
import type { Transfer } from './bench-seed';

const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const newReference = () => `TX${Array.from(randomBytes(16), (byte) => REFERENCE_ALPHABET[byte & 31]).join('')}`;

const queryable = (pool: pg.Pool): Queryable => ({
  query: async <R extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await pool.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
  },
});

/**
 * The raw limit: the transfer the service makes (ledger.service.ts `send`), with the repository's own
 * SQL over a plain pg pool: read both accounts (source by id, recipient by number), then the one
 * `ledger_post` call that locks, re-checks and writes balances, transaction, entries and outbox event.
 * Same statements, same round trips, same rows written; no HTTP, auth, validation or JSON on top.
 */
export function createRawLedger(connectionString: string, poolSize: number) {
  const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'bank-bench-raw' });
  pool.on('error', () => undefined);
  const db = queryable(pool);

  async function transfer({ from, to, amount }: Transfer): Promise<void> {
    const accounts = await findPostingAccounts(db, [from.id], [to.accountNumber]);
    const source = accounts.find((account) => account.id === from.id);
    const recipient = accounts.find((account) => account.accountNumber === to.accountNumber);
    if (!source || source.userId !== from.userId || source.status !== 'open') throw new Error('source not usable');
    if (!recipient || recipient.status !== 'open' || recipient.currency !== source.currency) throw new Error('recipient not usable');
    const result = await postTransaction(db, posting(source, recipient, amount, from.userId));
    if (!result.ok) throw new Error(`posting refused: ${result.reason}`);
  }

  return { transfer, close: () => pool.end() };
}

/** The same posting, event body included, that the service writes for a transfer. */
function posting(source: LedgerAccount, recipient: LedgerAccount, amount: number, initiatedBy: string) {
  const id = randomUUID();
  const requestId = randomUUID();
  const legs = [
    { account: source, amount: -amount },
    { account: recipient, amount },
  ];
  const party = (account: LedgerAccount) => ({ accountNumber: account.accountNumber, name: account.ownerName ?? '' });
  return {
    id,
    type: 'transfer' as const,
    amount,
    currency: source.currency,
    narration: null,
    reference: newReference(),
    initiatedBy,
    requestId,
    reversesId: null,
    idempotencyKey: null,
    legs: legs.map((leg) => ({ accountId: leg.account.id, amount: leg.amount })),
    event: {
      type: 'transaction.posted',
      transactionId: id,
      transactionType: 'transfer',
      currency: source.currency,
      narration: null,
      requestId,
      legs: legs.map((leg) => ({
        accountId: leg.account.id,
        accountNumber: leg.account.accountNumber,
        userId: leg.account.userId,
        amount: leg.amount,
        counterparty: party(leg.amount < 0 ? recipient : source),
      })),
    },
  };
}
