import type { Account } from '../repositories/account.repository';
import type { HistoryEntry } from '../repositories/history.repository';
import type { LedgerTransaction } from '../repositories/ledger.repository';
import type { User } from '../repositories/user.repository';

/** The public shape of a user: never a password or its hash. */
export const presentUser = (user: User) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  createdAt: user.createdAt.toISOString(),
});

export const presentAccount = (account: Account) => ({
  id: account.id,
  accountNumber: account.accountNumber,
  currency: account.currency,
  balance: account.balance,
  description: account.description,
  status: account.status,
  createdAt: account.createdAt.toISOString(),
  closedAt: account.closedAt?.toISOString() ?? null,
});

/** Postings are final once committed, so every transaction shown is `completed`. */
export const presentTransaction = (transaction: LedgerTransaction) => ({
  id: transaction.id,
  type: transaction.type,
  status: 'completed' as const,
  amount: transaction.amount,
  currency: transaction.currency,
  narration: transaction.narration,
  reference: transaction.reference,
  from: transaction.from,
  to: transaction.to,
  reversalOf: transaction.reversesId,
  reversedBy: transaction.reversedById,
  createdAt: transaction.createdAt.toISOString(),
});

export const presentHistoryEntry = (entry: HistoryEntry) => ({
  transactionId: entry.transactionId,
  type: entry.type,
  amount: entry.amount,
  balanceAfter: entry.balanceAfter,
  currency: entry.currency,
  counterparty: entry.counterparty,
  narration: entry.narration,
  reference: entry.reference,
  createdAt: entry.createdAt.toISOString(),
});
