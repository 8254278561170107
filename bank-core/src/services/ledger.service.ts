import { randomBytes, randomUUID } from 'node:crypto';
import type { LedgerEventLeg } from '@bank/common';
import type { Database, Queryable, Transaction } from '../db/database';
import { AppError, notFound } from '../errors/app-error';
import * as ledger from '../repositories/ledger.repository';
import type { LedgerTransaction, LockedAccount, Party, TransactionRecord, TransactionType } from '../repositories/ledger.repository';
import { translateDbError } from '../repositories/db-errors';

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
  account: LockedAccount;
  amount: number;
}

const insufficientFunds = (account: LockedAccount, amount: number) =>
  new AppError({
    code: 'INSUFFICIENT_FUNDS',
    message: 'Insufficient funds for this transaction',
    details: { accountNumber: account.accountNumber, balance: account.balance, amount },
  });

// Crockford's base32: no I, L, O or U, so a reference read aloud or retyped stays unambiguous.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** TX + 16 characters (80 random bits); the database refuses the (practically impossible) duplicate. */
const newReference = () => `TX${Array.from(randomBytes(16), (byte) => REFERENCE_ALPHABET[byte & 31]).join('')}`;

const partyOf = (account: LockedAccount): Party | null =>
  account.kind === 'customer' ? { accountNumber: account.accountNumber, name: account.ownerName ?? '' } : null;

/**
 * Deposits, withdrawals, transfers and reversals. Each is one short database transaction: lock the
 * touched accounts in id order, check the rules against the locked rows, write the posting.
 */
export function createLedgerService({ db, onPosted }: { db: Database; onPosted?: () => void }) {
  const settlementIds = new Map<string, string>();

  async function settlementAccountId(tx: Queryable, currency: string): Promise<string> {
    let id = settlementIds.get(currency);
    if (!id) {
      id = await ledger.findSettlementAccountId(tx, currency);
      settlementIds.set(currency, id);
    }
    return id;
  }

  /** Writes the legs as one transaction; every rule has been checked against the locked rows. */
  async function post(
    tx: Transaction,
    initiator: Initiator,
    spec: { type: TransactionType; amount: number; currency: string; narration: string | null; reversesId?: string },
    legs: Leg[],
  ): Promise<LedgerTransaction> {
    const id = randomUUID();
    const withBalances = legs.map((leg) => ({ ...leg, balanceAfter: leg.account.balance + leg.amount }));
    for (const leg of withBalances) {
      if (leg.account.kind === 'customer' && leg.balanceAfter < 0) throw insufficientFunds(leg.account, -leg.amount);
    }
    const from = legs.find((leg) => leg.amount < 0)!.account;
    const to = legs.find((leg) => leg.amount > 0)!.account;
    const eventLegs: LedgerEventLeg[] = withBalances
      .filter((leg) => leg.account.kind === 'customer')
      .map((leg) => ({
        accountId: leg.account.id,
        accountNumber: leg.account.accountNumber,
        userId: leg.account.userId!,
        amount: leg.amount,
        balanceAfter: leg.balanceAfter,
        counterparty: partyOf(leg.amount < 0 ? to : from),
      }));
    const record: TransactionRecord = {
      id,
      type: spec.type,
      amount: spec.amount,
      currency: spec.currency,
      narration: spec.narration,
      reference: newReference(),
      initiatedBy: initiator.userId,
      requestId: initiator.requestId,
      reversesId: spec.reversesId ?? null,
    };
    if (onPosted) tx.afterCommit(onPosted);
    const createdAt = await ledger
      .insertPosting(tx, {
        ...record,
        legs: withBalances.map((leg) => ({ accountId: leg.account.id, amount: leg.amount, balanceAfter: leg.balanceAfter })),
        event: {
          type: 'transaction.posted',
          transactionId: id,
          transactionType: spec.type,
          currency: spec.currency,
          narration: spec.narration,
          requestId: initiator.requestId,
          legs: eventLegs,
        },
      })
      .catch((error: unknown) =>
        translateDbError(error, { '23505': { code: 'CONFLICT', message: 'This transaction has already been reversed' } }),
      );
    return {
      ...record,
      reversedById: null,
      createdAt,
      from: partyOf(from),
      to: partyOf(to),
    };
  }

  /** Locks the caller's open account and the currency's settlement account, in id order like every posting. */
  async function lockOwnAndSettlement(tx: Queryable, userId: string, accountId: string) {
    // An account's currency never changes, so reading it before taking the locks is safe.
    const currency = await ledger.findAccountCurrency(tx, accountId);
    if (!currency) throw notFound('Account');
    const settlementId = await settlementAccountId(tx, currency);
    const locked = await ledger.lockAccounts(tx, [accountId, settlementId]);
    const own = locked.get(accountId)!;
    if (own.userId !== userId) throw notFound('Account');
    if (own.status !== 'open') throw new AppError({ code: 'CONFLICT', message: 'Account is closed' });
    return { own, settlement: locked.get(settlementId)! };
  }

  return {
    /** @throws NOT_FOUND unless the caller owns the account, CONFLICT when it is closed. */
    deposit: (initiator: Initiator, input: MovementInput & { accountId: string }, tx?: Transaction): Promise<Movement> =>
      inTransaction(tx, async (tx) => {
        const { own, settlement } = await lockOwnAndSettlement(tx, initiator.userId, input.accountId);
        const transaction = await post(tx, initiator, { type: 'deposit', amount: input.amount, currency: own.currency, narration: input.narration ?? null }, [
          { account: settlement, amount: -input.amount },
          { account: own, amount: input.amount },
        ]);
        return { transaction, balanceAfter: own.balance + input.amount };
      }),

    /** @throws NOT_FOUND, CONFLICT as deposit; INSUFFICIENT_FUNDS below zero. */
    withdraw: (initiator: Initiator, input: MovementInput & { accountId: string }, tx?: Transaction): Promise<Movement> =>
      inTransaction(tx, async (tx) => {
        const { own, settlement } = await lockOwnAndSettlement(tx, initiator.userId, input.accountId);
        const transaction = await post(tx, initiator, { type: 'withdrawal', amount: input.amount, currency: own.currency, narration: input.narration ?? null }, [
          { account: own, amount: -input.amount },
          { account: settlement, amount: input.amount },
        ]);
        return { transaction, balanceAfter: own.balance - input.amount };
      }),

    /**
     * @throws NOT_FOUND for a source the caller does not own or an unknown or closed recipient;
     * UNPROCESSABLE for the same account or a currency mismatch; CONFLICT for a closed source;
     * INSUFFICIENT_FUNDS.
     */
    send: (initiator: Initiator, input: MovementInput & { fromAccountId: string; toAccountNumber: string }, tx?: Transaction): Promise<Movement> =>
      inTransaction(tx, async (tx) => {
        const recipientId = await ledger.findCustomerAccountIdByNumber(tx, input.toAccountNumber);
        const locked = await ledger.lockAccounts(tx, recipientId ? [input.fromAccountId, recipientId] : [input.fromAccountId]);
        const source = locked.get(input.fromAccountId);
        if (!source || source.userId !== initiator.userId) throw notFound('Account');
        if (source.status !== 'open') throw new AppError({ code: 'CONFLICT', message: 'Account is closed' });
        const recipient = recipientId ? locked.get(recipientId) : undefined;
        if (!recipient || recipient.status !== 'open') throw notFound('Recipient account');
        if (recipient.id === source.id) throw new AppError({ code: 'UNPROCESSABLE', message: 'Cannot send money to the same account' });
        if (recipient.currency !== source.currency) {
          throw new AppError({
            code: 'UNPROCESSABLE',
            message: `Currency mismatch: ${source.currency} account cannot send to a ${recipient.currency} account`,
          });
        }
        const transaction = await post(tx, initiator, { type: 'transfer', amount: input.amount, currency: source.currency, narration: input.narration ?? null }, [
          { account: source, amount: -input.amount },
          { account: recipient, amount: input.amount },
        ]);
        return { transaction, balanceAfter: source.balance - input.amount };
      }),

    /**
     * Posts the mirror image of a transaction (admins only; the route checks the role).
     * @throws NOT_FOUND, UNPROCESSABLE for a reversal, CONFLICT when already reversed or an account
     * is closed, INSUFFICIENT_FUNDS when the money has since been spent.
     */
    reverse: (initiator: Initiator, transactionId: string, tx?: Transaction): Promise<LedgerTransaction> =>
      inTransaction(tx, async (tx) => {
        const original = await ledger.findTransaction(tx, transactionId);
        if (!original) throw notFound('Transaction');
        if (original.type === 'reversal') throw new AppError({ code: 'UNPROCESSABLE', message: 'A reversal cannot itself be reversed' });
        const entries = await ledger.findEntriesOf(tx, transactionId);
        const locked = await ledger.lockAccounts(tx, entries.map((entry) => entry.accountId));
        // Checked again under the locks: a concurrent reversal has committed by now or waits behind us.
        if ((await ledger.findTransaction(tx, transactionId))?.reversedById) {
          throw new AppError({ code: 'CONFLICT', message: 'This transaction has already been reversed' });
        }
        const legs = entries.map((entry) => ({ account: locked.get(entry.accountId)!, amount: -entry.amount }));
        if (legs.some((leg) => leg.account.status !== 'open')) {
          throw new AppError({ code: 'CONFLICT', message: 'An account of this transaction is closed' });
        }
        return post(tx, initiator, { type: 'reversal', amount: original.amount, currency: original.currency, narration: `Reversal of ${original.reference}`, reversesId: original.id }, legs);
      }),
  };

  /** Runs in the caller's transaction when given one (idempotent requests), else in a new one. */
  function inTransaction<T>(tx: Transaction | undefined, work: (tx: Transaction) => Promise<T>): Promise<T> {
    return tx ? work(tx) : db.transaction(work);
  }
}

export type LedgerService = ReturnType<typeof createLedgerService>;
