import { randomBytes, randomUUID } from 'node:crypto';
import type { LedgerEventLeg, Logger } from '@bank/common';
import { withRetries, type Database, type Queryable, type Transaction } from '../db/database';
import { AppError, notFound } from '../errors/app-error';
import { translateDbError } from '../repositories/db-errors';
import * as ledger from '../repositories/ledger.repository';
import type { LedgerAccount, LedgerTransaction, Party, TransactionRecord, TransactionType } from '../repositories/ledger.repository';
import { createAccountLoader } from './account-loader';
import { createPostingBatcher, type BatchTicket } from './posting-batcher';

/** Who asked for a movement, and through which request (for the audit trail and the event). */
export interface Initiator {
  userId: string;
  requestId: string | null;
}

export interface MovementInput {
  amount: number;
  narration?: string | undefined;
}

/** A committed movement, with the balance of the account the caller moved money in or out of. */
export interface Movement {
  transaction: LedgerTransaction;
  balanceAfter: number;
}

interface Leg {
  account: LedgerAccount;
  amount: number;
}

// Crockford's base32: no I, L, O or U, so a reference read aloud or retyped stays unambiguous.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** TX + 16 characters (80 random bits); the database refuses the (practically impossible) duplicate. */
const newReference = () => `TX${Array.from(randomBytes(16), (byte) => REFERENCE_ALPHABET[byte & 31]).join('')}`;

const partyOf = (account: LedgerAccount): Party | null =>
  account.kind === 'customer' ? { accountNumber: account.accountNumber, name: account.ownerName ?? '' } : null;

const closedAccount = () => new AppError({ code: 'CONFLICT', message: 'Account is closed' });
const ALREADY_REVERSED = { '23505': { code: 'CONFLICT', message: 'This transaction has already been reversed' } } as const;

/**
 * Deposits, withdrawals, transfers and reversals. The rules that cannot change under us (owner,
 * currency, kind) are checked on a plain read; the posting itself is one database call that locks
 * the accounts in id order and re-checks status and funds under the locks.
 */
export function createLedgerService({
  db,
  logger,
  onPosted,
  groupCommit = db.driver === 'pglite',
}: {
  db: Database;
  logger: Logger;
  onPosted?: () => void;
  groupCommit?: boolean;
}) {
  const settlementIds = new Map<string, string>();
  // Embedded PGlite pays per statement, not per row, and runs one transaction at a time anyway:
  // there, concurrent postings are written together. On PostgreSQL each posting is its own call.
  const batcher = groupCommit
    ? createPostingBatcher({
        db,
        onBatchFailed: (error, size) => logger.warn('batch posting failed; writing its postings one by one', { size, error }),
      })
    : undefined;
  const accountLoader = groupCommit ? createAccountLoader(db) : undefined;
  /** A posting's accounts; outside a caller's transaction, read together with other requests' on PGlite. */
  const postingAccounts = (tx: Transaction | undefined, ids: string[], accountNumbers: string[] = []) =>
    tx || !accountLoader ? ledger.findPostingAccounts(tx ?? db, ids, accountNumbers) : accountLoader.load(ids, accountNumbers);

  async function settlementAccount(q: Queryable, currency: string): Promise<LedgerAccount> {
    let id = settlementIds.get(currency);
    if (!id) {
      id = await ledger.findSettlementAccountId(q, currency);
      settlementIds.set(currency, id);
    }
    // Its balance is not needed: only customer balances are checked, and the lock reads the real one.
    return { id, userId: null, kind: 'settlement', accountNumber: '', currency, status: 'open', balance: 0, ownerName: null };
  }

  /**
   * Writes the legs as one transaction: inside the caller's transaction when given (idempotent
   * requests), in the next group-commit batch when holding a ticket, else as one self-committing statement.
   * @throws INSUFFICIENT_FUNDS, CONFLICT (closed meanwhile, or already reversed).
   */
  async function post(
    { tx, ticket }: { tx?: Transaction | undefined; ticket?: BatchTicket | undefined },
    initiator: Initiator,
    spec: { type: TransactionType; amount: number; currency: string; narration: string | null; reversesId?: string },
    legs: Leg[],
  ): Promise<{ transaction: LedgerTransaction; balancesAfter: Map<string, number> }> {
    const from = legs.find((leg) => leg.amount < 0)!.account;
    const to = legs.find((leg) => leg.amount > 0)!.account;
    const record: TransactionRecord = {
      id: randomUUID(),
      type: spec.type,
      amount: spec.amount,
      currency: spec.currency,
      narration: spec.narration,
      reference: newReference(),
      initiatedBy: initiator.userId,
      requestId: initiator.requestId,
      reversesId: spec.reversesId ?? null,
    };
    const eventLegs = legs.map(({ account, amount }): Omit<LedgerEventLeg, 'balanceAfter'> | null =>
      account.kind === 'customer'
        ? {
            accountId: account.id,
            accountNumber: account.accountNumber,
            userId: account.userId!,
            amount,
            counterparty: partyOf(amount < 0 ? to : from),
          }
        : null,
    );
    const posting = {
      ...record,
      legs: legs.map(({ account, amount }) => ({ accountId: account.id, amount })),
      event: {
        type: 'transaction.posted',
        transactionId: record.id,
        transactionType: spec.type,
        currency: spec.currency,
        narration: spec.narration,
        requestId: initiator.requestId,
        legs: eventLegs,
      },
    };
    const translate = (error: unknown) => translateDbError(error, ALREADY_REVERSED);
    const write = (q: Queryable) => ledger.postTransaction(q, posting).catch(translate);
    const result = tx ? await write(tx) : ticket ? await ticket.submit(posting).catch(translate) : await withRetries(() => write(db));
    if (!result.ok) {
      const account = legs.find((leg) => leg.account.id === result.accountId)?.account;
      if (result.reason === 'insufficient_funds') {
        throw new AppError({
          code: 'INSUFFICIENT_FUNDS',
          message: 'Insufficient funds for this transaction',
          details: { accountNumber: account?.accountNumber, balance: result.balance, amount: spec.amount },
        });
      }
      throw closedAccount();
    }
    if (onPosted) {
      if (tx) tx.afterCommit(onPosted);
      else onPosted();
    }
    return {
      transaction: { ...record, reversedById: null, createdAt: result.createdAt, from: partyOf(from), to: partyOf(to) },
      balancesAfter: new Map(legs.map((leg, i) => [leg.account.id, result.balancesAfter[i]!])),
    };
  }

  /**
   * Runs a movement that will post on its own holding a group-commit ticket, so the batch being
   * gathered waits for it while its accounts are read; the ticket is given up however it ends.
   */
  async function prepared<T>(tx: Transaction | undefined, work: (ticket: BatchTicket | undefined) => Promise<T>): Promise<T> {
    const ticket = tx ? undefined : batcher?.ticket();
    try {
      return await work(ticket);
    } finally {
      ticket?.cancel();
    }
  }

  /** The caller's open account. @throws NOT_FOUND unless it is theirs, CONFLICT when closed. */
  async function ownOpenAccount(tx: Transaction | undefined, userId: string, accountId: string): Promise<LedgerAccount> {
    const [account] = await postingAccounts(tx, [accountId]);
    if (!account || account.userId !== userId) throw notFound('Account');
    if (account.status !== 'open') throw closedAccount();
    return account;
  }

  /** Cash in (`sign` 1) or out (`sign` -1) of one of the caller's accounts, against the settlement account. */
  async function cash(
    type: 'deposit' | 'withdrawal',
    initiator: Initiator,
    input: MovementInput & { accountId: string },
    tx?: Transaction,
    ticket?: BatchTicket,
  ) {
    const q = tx ?? db;
    const own = await ownOpenAccount(tx, initiator.userId, input.accountId);
    const settlement = await settlementAccount(q, own.currency);
    const sign = type === 'deposit' ? 1 : -1;
    const { transaction, balancesAfter } = await post(
      { tx, ticket },
      initiator,
      { type, amount: input.amount, currency: own.currency, narration: input.narration ?? null },
      [
        { account: settlement, amount: -sign * input.amount },
        { account: own, amount: sign * input.amount },
      ],
    );
    return { transaction, balanceAfter: balancesAfter.get(own.id)! };
  }

  return {
    /** @throws NOT_FOUND unless the caller owns the account, CONFLICT when it is closed. */
    deposit: (initiator: Initiator, input: MovementInput & { accountId: string }, tx?: Transaction): Promise<Movement> =>
      prepared(tx, (ticket) => cash('deposit', initiator, input, tx, ticket)),

    /** @throws NOT_FOUND, CONFLICT as deposit; INSUFFICIENT_FUNDS below zero. */
    withdraw: (initiator: Initiator, input: MovementInput & { accountId: string }, tx?: Transaction): Promise<Movement> =>
      prepared(tx, (ticket) => cash('withdrawal', initiator, input, tx, ticket)),

    /**
     * @throws NOT_FOUND for a source the caller does not own or an unknown or closed recipient;
     * UNPROCESSABLE for the same account or a currency mismatch; CONFLICT for a closed source;
     * INSUFFICIENT_FUNDS.
     */
    send: (
      initiator: Initiator,
      input: MovementInput & { fromAccountId: string; toAccountNumber: string },
      tx?: Transaction,
    ): Promise<Movement> =>
      prepared(tx, async (ticket) => {
        const accounts = await postingAccounts(tx, [input.fromAccountId], [input.toAccountNumber]);
        const source = accounts.find((account) => account.id === input.fromAccountId);
        if (!source || source.userId !== initiator.userId) throw notFound('Account');
        if (source.status !== 'open') throw closedAccount();
        const recipient = accounts.find((account) => account.accountNumber === input.toAccountNumber && account.kind === 'customer');
        if (!recipient || recipient.status !== 'open') throw notFound('Recipient account');
        if (recipient.id === source.id) throw new AppError({ code: 'UNPROCESSABLE', message: 'Cannot send money to the same account' });
        if (recipient.currency !== source.currency) {
          throw new AppError({
            code: 'UNPROCESSABLE',
            message: `Currency mismatch: ${source.currency} account cannot send to a ${recipient.currency} account`,
          });
        }
        const { transaction, balancesAfter } = await post(
          { tx, ticket },
          initiator,
          { type: 'transfer', amount: input.amount, currency: source.currency, narration: input.narration ?? null },
          [
            { account: source, amount: -input.amount },
            { account: recipient, amount: input.amount },
          ],
        );
        return { transaction, balanceAfter: balancesAfter.get(source.id)! };
      }),

    /**
     * Posts the mirror image of a transaction (admins only; the route checks the role), narrated
     * "Reversal of <reference>: <reason>".
     * @throws NOT_FOUND, UNPROCESSABLE for a reversal, CONFLICT when already reversed or an account
     * is closed, INSUFFICIENT_FUNDS when the money has since been spent.
     */
    async reverse(initiator: Initiator, transactionId: string, reason: string): Promise<LedgerTransaction> {
      const original = await ledger.findTransaction(db, transactionId);
      if (!original) throw notFound('Transaction');
      if (original.type === 'reversal') throw new AppError({ code: 'UNPROCESSABLE', message: 'A reversal cannot itself be reversed' });
      if (original.reversedById) throw new AppError(ALREADY_REVERSED['23505']);
      const entries = await ledger.findEntriesOf(db, transactionId);
      const accounts = new Map(
        (
          await ledger.findPostingAccounts(
            db,
            entries.map((entry) => entry.accountId),
          )
        ).map((a) => [a.id, a]),
      );
      const legs = entries.map((entry) => ({ account: accounts.get(entry.accountId)!, amount: -entry.amount }));
      if (legs.some((leg) => leg.account.status !== 'open')) {
        throw new AppError({ code: 'CONFLICT', message: 'An account of this transaction is closed' });
      }
      // A concurrent second reversal loses on the unique reverses_id and gets the same CONFLICT.
      // The reason is part of the ledger: the narration both sides and every statement show.
      const narration = `Reversal of ${original.reference}: ${reason}`;
      // Not batched: a reversal is rare, and its unique reverses_id may refuse it at commit.
      return (
        await post(
          {},
          initiator,
          { type: 'reversal', amount: original.amount, currency: original.currency, narration, reversesId: original.id },
          legs,
        )
      ).transaction;
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
