import type { Account } from '../repositories/account.repository';
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
