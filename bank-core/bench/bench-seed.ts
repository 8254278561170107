import { randomBytes } from 'node:crypto';
import type { JsonClient } from './bench-http';
import { mapLimit } from './bench-load';

/** A customer account the benchmark moves money between, with what each path needs to use it. */
export interface BenchAccount {
  id: string;
  accountNumber: string;
  userId: string;
  ownerName: string;
  token: string;
}

export interface Transfer {
  from: BenchAccount;
  to: BenchAccount;
  amount: number;
}

const PASSWORD = 'bench password, long enough';

/**
 * Users and their accounts through the public API (signup, login, open account, deposit), so the
 * data is exactly what customers would have made. Every account opens with `openingBalance`.
 */
export async function seedAccounts(
  client: JsonClient,
  options: { users: number; accountsPerUser: number; openingBalance: number; clients: number },
): Promise<BenchAccount[]> {
  const run = randomBytes(4).toString('hex');
  const perUser = await mapLimit(
    Array.from({ length: options.users }, (_, i) => i),
    options.clients,
    async (i) => {
      const name = `Bench User ${i}`;
      const email = `bench-${run}-${i}@example.com`;
      const signup = await client.post<{ id: string; account: { id: string; accountNumber: string } }>(
        '/api/users/signup',
        { name, email, password: PASSWORD },
        201,
      );
      const { token } = await client.post<{ token: string }>('/api/users/login', { email, password: PASSWORD }, 200);
      const owned: BenchAccount[] = [
        { id: signup.account.id, accountNumber: signup.account.accountNumber, userId: signup.id, ownerName: name, token },
      ];
      for (let n = 1; n < options.accountsPerUser; n += 1) {
        const account = await client.post<{ id: string; accountNumber: string }>(
          '/api/accounts',
          { description: `bench ${n}` },
          201,
          token,
        );
        owned.push({ id: account.id, accountNumber: account.accountNumber, userId: signup.id, ownerName: name, token });
      }
      return owned;
    },
  );
  const accounts = perUser.flat();
  await mapLimit(accounts, options.clients, (account) =>
    client.post('/api/transactions/deposit', { accountId: account.id, amount: options.openingBalance }, 201, account.token),
  );
  return accounts;
}

const randomInt = (below: number) => Math.floor(Math.random() * below);
// Small random amounts in minor units: funds never run out, so every transfer is a success path.
const randomAmount = () => 1 + randomInt(1_000);

/** (a) Any account to any other. */
export const randomTransfer = (accounts: BenchAccount[]) => (): Transfer => {
  const from = randomInt(accounts.length);
  const to = (from + 1 + randomInt(accounts.length - 1)) % accounts.length;
  return { from: accounts[from]!, to: accounts[to]!, amount: randomAmount() };
};

/** (b) Always out of the first account (the hot one) to any other: every transfer queues on its row lock. */
export const hotTransfer = (accounts: BenchAccount[]) => (): Transfer => ({
  from: accounts[0]!,
  to: accounts[1 + randomInt(accounts.length - 1)]!,
  amount: randomAmount(),
});

/** (c) Cash in to any account: every deposit is also a movement of its currency's settlement account. */
export const randomDeposit = (accounts: BenchAccount[]) => (): Transfer => {
  const to = accounts[randomInt(accounts.length)]!;
  return { from: to, to, amount: randomAmount() };
};

/** One movement through the API as its owner (a transfer by account number, or a deposit); throws unless 201. */
export const overApi = (client: JsonClient, next: () => Transfer, kind: 'transfer' | 'deposit') => async () => {
  const { from, to, amount } = next();
  if (kind === 'deposit') await client.post('/api/transactions/deposit', { accountId: to.id, amount }, 201, to.token);
  else await client.post('/api/transactions/send', { fromAccountId: from.id, toAccountNumber: to.accountNumber, amount }, 201, from.token);
};
