import type { AccessClaims } from '@bank/common';
import type { Database } from '../db/database';
import { notFound } from '../errors/app-error';
import { customerAccountExists, findOwnedAccount, findStatementAccount } from '../repositories/account.repository';
import * as history from '../repositories/history.repository';
import * as ledger from '../repositories/ledger.repository';
import { findMovementByKey } from '../repositories/movement.repository';

const isAdmin = (actor: AccessClaims) => actor.role === 'admin';

/** Reading the ledger: single transactions, lists, an account's history and its statement. */
export function createLedgerQueryService({ db }: { db: Database }) {
  /** @throws NOT_FOUND unless the actor owns the account or is an admin. */
  async function visibleAccount(actor: AccessClaims, accountId: string) {
    const visible = isAdmin(actor)
      ? await customerAccountExists(db, accountId)
      : Boolean(await findOwnedAccount(db, accountId, actor.userId));
    if (!visible) throw notFound('Account');
  }

  return {
    /**
     * The movement a user's Idempotency-Key made, for replaying its answer.
     * @throws NOT_FOUND when the key made none.
     */
    async movementByKey(userId: string, key: string) {
      const movement = await findMovementByKey(db, userId, key);
      if (!movement) throw notFound('Transaction');
      return movement;
    },

    /** @throws NOT_FOUND unless one of its accounts is the actor's, or the actor is an admin. */
    async get(actor: AccessClaims, id: string) {
      const transaction = await ledger.findTransaction(db, id);
      if (!transaction) throw notFound('Transaction');
      if (!isAdmin(actor) && !(await ledger.touchesUser(db, id, actor.userId))) throw notFound('Transaction');
      return transaction;
    },

    /** Customers see their own; admins everyone's, optionally narrowed to one user. */
    async list(actor: AccessClaims, filter: ledger.TransactionFilter) {
      if (filter.accountId) await visibleAccount(actor, filter.accountId);
      return ledger.listTransactions(db, { ...filter, userId: isAdmin(actor) ? filter.userId : actor.userId });
    },

    /** @throws NOT_FOUND unless the actor may see the account. */
    async history(actor: AccessClaims, accountId: string, filter: Omit<history.HistoryFilter, 'order' | 'afterEntryId'>) {
      await visibleAccount(actor, accountId);
      return history.listEntries(db, accountId, { ...filter, order: 'newest' });
    },

    /**
     * The statement of an account over [from, to): the account and its holder, the period (from
     * defaults to the account's opening, to to now), the opening balance, entries oldest first (read
     * a page at a time).
     * @throws NOT_FOUND unless the actor may see the account.
     */
    async statement(actor: AccessClaims, accountId: string, range: { from?: Date; to?: Date }) {
      const account = await findStatementAccount(db, accountId, isAdmin(actor) ? undefined : actor.userId);
      if (!account) throw notFound('Account');
      const period = { from: range.from ?? account.createdAt, to: range.to ?? new Date() };
      const opening = range.from ? await history.balanceBefore(db, accountId, range.from) : 0;
      async function* entries(pageSize = 500) {
        let afterEntryId: number | undefined;
        for (;;) {
          const page = await history.listEntries(db, accountId, {
            from: range.from,
            to: period.to,
            afterEntryId,
            order: 'oldest',
            limit: pageSize,
          });
          yield* page;
          if (page.length < pageSize) return;
          afterEntryId = page[page.length - 1]!.entryId;
        }
      }
      return { account, period, opening, entries };
    },
  };
}

export type LedgerQueryService = ReturnType<typeof createLedgerQueryService>;
