import { randomInt } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { AppError, notFound } from '../errors/app-error';
import * as accounts from '../repositories/account.repository';
import { findUserById } from '../repositories/user.repository';
import type { Currency } from '../utils/currencies';

export const MAX_OPEN_ACCOUNTS = 4;
const ACCOUNT_NUMBER_ATTEMPTS = 8;

/** 10 digits from a cryptographic source, never starting with 0 so it reads the same as a number. */
export function generateAccountNumber(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000));
}

/** Inserts an account with a fresh number, drawing again on the rare collision. */
async function insertWithFreshNumber(tx: Queryable, account: { userId: string; currency: Currency; description: string }) {
  for (let attempt = 0; attempt < ACCOUNT_NUMBER_ATTEMPTS; attempt += 1) {
    const inserted = await accounts.insertAccountUnlessNumberTaken(tx, { ...account, accountNumber: generateAccountNumber() });
    if (inserted) return inserted;
  }
  throw new AppError({ code: 'SERVICE_UNAVAILABLE', message: 'Could not allocate an account number; try again' });
}

export function createAccountService({ db }: { db: Database }) {
  /**
   * Opens an account inside the caller's transaction (signup uses this). Locks the user row so two
   * concurrent requests cannot both pass the open-accounts limit.
   * @throws NOT_FOUND for an unknown user, CONFLICT at the open-accounts limit.
   */
  async function openAccountIn(tx: Queryable, userId: string, input: { currency: Currency; description: string }) {
    if (!(await findUserById(tx, userId, { forUpdate: true }))) throw notFound('User');
    if ((await accounts.countOpenAccounts(tx, userId)) >= MAX_OPEN_ACCOUNTS) {
      throw new AppError({ code: 'CONFLICT', message: `A user may hold at most ${MAX_OPEN_ACCOUNTS} open accounts` });
    }
    return insertWithFreshNumber(tx, { userId, ...input });
  }

  /** @throws NOT_FOUND unless the user owns the account. */
  async function getOwned(userId: string, accountId: string) {
    const account = await accounts.findOwnedAccount(db, accountId, userId);
    if (!account) throw notFound('Account');
    return account;
  }

  return {
    openAccountIn,
    open: (userId: string, input: { currency: Currency; description: string }) => db.transaction((tx) => openAccountIn(tx, userId, input)),
    list: (userId: string) => accounts.listAccountsOfUser(db, userId),
    getOwned,

    /** @throws NOT_FOUND unless the user owns the account, CONFLICT when it is closed (closed accounts are frozen). */
    async describe(userId: string, accountId: string, description: string) {
      const account = await accounts.updateOpenAccountDescription(db, accountId, userId, description);
      if (account) return account;
      await getOwned(userId, accountId);
      throw new AppError({ code: 'CONFLICT', message: 'A closed account cannot be changed' });
    },

    /**
     * Closes an account; its history stays.
     * @throws NOT_FOUND unless owned, CONFLICT when already closed or the balance is not zero.
     */
    close: (userId: string, accountId: string) =>
      db.transaction(async (tx) => {
        const account = await accounts.findOwnedAccount(tx, accountId, userId, { forUpdate: true });
        if (!account) throw notFound('Account');
        if (account.status === 'closed') throw new AppError({ code: 'CONFLICT', message: 'Account is already closed' });
        if (account.balance !== 0) {
          throw new AppError({
            code: 'CONFLICT',
            message: 'Only an account with a zero balance can be closed',
            details: { balance: account.balance },
          });
        }
        return accounts.closeAccount(tx, account.id);
      }),

    /** @throws NOT_FOUND for an unknown or closed account number. */
    async findRecipient(accountNumber: string) {
      const recipient = await accounts.findRecipient(db, accountNumber);
      if (!recipient) throw notFound('Account');
      return recipient;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
