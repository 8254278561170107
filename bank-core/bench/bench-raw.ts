import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queryable, QueryResult, Row } from '../src/db/database';
import { findCustomerAccountIdByNumber, insertPosting, lockAccounts, type LockedAccount } from '../src/repositories/ledger.repository';
import type { Transfer } from './bench-seed';

const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const newReference = () => `TX${Array.from(randomBytes(16), (byte) => REFERENCE_ALPHABET[byte & 31]).join('')}`;

const queryable = (client: pg.PoolClient): Queryable => ({
  query: async <R extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const result = await client.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
  },
});

/**
 * The raw limit: the transfer the service makes (ledger.service.ts `send`), with the repository's own
 * SQL over a plain pg pool: BEGIN; recipient by number; lock both rows in id order; the posting CTE
 * (balances, transaction, entries, outbox event); COMMIT. Same statements, same round trips, same
 * rows written; no HTTP, auth, validation or JSON on top.
 */
export function createRawLedger(connectionString: string, poolSize: number) {
  const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'bank-bench-raw' });
  pool.on('error', () => undefined);

  async function transfer({ from, to, amount }: Transfer): Promise<void> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const tx = queryable(client);
      const recipientId = await findCustomerAccountIdByNumber(tx, to.accountNumber);
      if (!recipientId) throw new Error(`no account ${to.accountNumber}`);
      const locked = await lockAccounts(tx, [from.id, recipientId]);
      const source = locked.get(from.id);
      const recipient = locked.get(recipientId);
      if (!source || source.userId !== from.userId || source.status !== 'open') throw new Error('source not usable');
      if (!recipient || recipient.status !== 'open' || recipient.currency !== source.currency) throw new Error('recipient not usable');
      if (source.balance < amount) throw new Error('insufficient funds');
      await insertPosting(tx, posting(source, recipient, amount, from.userId));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  return { transfer, close: () => pool.end() };
}

/** The same posting, event body included, that the service writes for a transfer. */
function posting(source: LockedAccount, recipient: LockedAccount, amount: number, initiatedBy: string) {
  const id = randomUUID();
  const requestId = randomUUID();
  const legs = [
    { account: source, amount: -amount, balanceAfter: source.balance - amount },
    { account: recipient, amount, balanceAfter: recipient.balance + amount },
  ];
  const party = (account: LockedAccount) => ({ accountNumber: account.accountNumber, name: account.ownerName ?? '' });
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
    legs: legs.map((leg) => ({ accountId: leg.account.id, amount: leg.amount, balanceAfter: leg.balanceAfter })),
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
        balanceAfter: leg.balanceAfter,
        counterparty: party(leg.amount < 0 ? recipient : source),
      })),
    },
  };
}
