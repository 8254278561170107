import { randomUUID } from 'node:crypto';
import type { LedgerEventLeg } from '@bank/common';
import { sqlState, withRetries, type Database } from '../db/database';
import { AppError, notFound } from '../errors/app-error';
import * as ledger from '../repositories/ledger.repository';
import type { LedgerAccount, LedgerTransaction, Party } from '../repositories/ledger.repository';
import { newReference } from './references';

/** Who asked for a reversal, and through which request (for the audit trail and the event). */
export interface Initiator {
  userId: string;
  requestId: string | null;
}

const partyOf = (account: LedgerAccount): Party | null =>
  account.kind === 'customer' ? { accountNumber: account.accountNumber, name: account.ownerName ?? '' } : null;

const alreadyReversed = () => new AppError({ code: 'CONFLICT', message: 'This transaction has already been reversed' });

/** A concurrent second reversal loses on the unique reverses_id; any other error is not ours to translate. */
function translatePostingError(error: unknown): never {
  if (sqlState(error) === '23505' && (error as { constraint?: string }).constraint === 'transactions_reverses_id_key') {
    throw alreadyReversed();
  }
  throw error;
}

/**
 * Posts the mirror image of a transaction (admins only; the route checks the role), narrated
 * "Reversal of <reference>: <reason>" (at most 32 + 100 characters, within a narration's 140), as one
 * `ledger_post` call: rare, so not group-committed, and its unique reverses_id may refuse it.
 * @throws NOT_FOUND, UNPROCESSABLE for a reversal, CONFLICT when already reversed or an account
 * is closed, INSUFFICIENT_FUNDS when the money has since been spent.
 */
export async function reverseTransaction(
  db: Database,
  initiator: Initiator,
  transactionId: string,
  reason: string,
): Promise<LedgerTransaction> {
  const original = await ledger.findTransaction(db, transactionId);
  if (!original) throw notFound('Transaction');
  if (original.type === 'reversal') throw new AppError({ code: 'UNPROCESSABLE', message: 'A reversal cannot itself be reversed' });
  if (original.reversedById) throw alreadyReversed();
  const entries = await ledger.findEntriesOf(db, transactionId);
  const byId = new Map(
    (
      await ledger.findPostingAccounts(
        db,
        entries.map((entry) => entry.accountId),
      )
    ).map((account) => [account.id, account]),
  );
  const legs = entries.map((entry) => ({ account: byId.get(entry.accountId)!, amount: -entry.amount }));
  if (legs.some((leg) => leg.account.status !== 'open')) {
    throw new AppError({ code: 'CONFLICT', message: 'An account of this transaction is closed' });
  }
  const from = legs.find((leg) => leg.amount < 0)!.account;
  const to = legs.find((leg) => leg.amount > 0)!.account;
  const record: ledger.TransactionRecord = {
    id: randomUUID(),
    type: 'reversal',
    amount: original.amount,
    currency: original.currency,
    // The reason is part of the ledger: the narration both sides and every statement show.
    narration: `Reversal of ${original.reference}: ${reason}`,
    reference: newReference(),
    initiatedBy: initiator.userId,
    requestId: initiator.requestId,
    reversesId: original.id,
    idempotencyKey: null,
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
  const result = await withRetries(() =>
    ledger
      .postTransaction(db, {
        ...record,
        legs: legs.map(({ account, amount }) => ({ accountId: account.id, amount })),
        event: {
          type: 'transaction.posted',
          transactionId: record.id,
          transactionType: 'reversal',
          currency: record.currency,
          narration: record.narration,
          requestId: initiator.requestId,
          legs: eventLegs,
        },
      })
      .catch(translatePostingError),
  );
  if (!result.ok) {
    if (result.reason === 'insufficient_funds') {
      const account = legs.find((leg) => leg.account.id === result.accountId)?.account;
      throw new AppError({
        code: 'INSUFFICIENT_FUNDS',
        message: 'Insufficient funds for this transaction',
        details: { accountNumber: account?.accountNumber, balance: result.balance, amount: original.amount },
      });
    }
    if (result.reason === 'balance_out_of_range') {
      throw new AppError({
        code: 'UNPROCESSABLE',
        message: 'This transaction would take a balance past the largest amount an account can hold',
      });
    }
    throw new AppError({ code: 'CONFLICT', message: 'Account is closed' });
  }
  return { ...record, reversedById: null, createdAt: result.createdAt, from: partyOf(from), to: partyOf(to) };
}
