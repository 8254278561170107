import type { TestApp } from './test-app';
import type { TestUser } from './factories';

/** Deposits through the API (the only way money enters) and fails loudly if it is refused. */
export async function deposit(t: TestApp, user: TestUser, amount: number, accountId = user.account.id) {
  const res = await t.http.post('/api/transactions/deposit').set(user.auth).send({ accountId, amount });
  if (res.status !== 201) throw new Error(`deposit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function balanceOf(t: TestApp, user: TestUser, accountId = user.account.id): Promise<number> {
  const res = await t.http.get(`/api/accounts/${accountId}`).set(user.auth);
  if (res.status !== 200) throw new Error(`account read failed: ${res.status}`);
  return res.body.balance;
}

/** Sends from `from`'s default account to `to`'s through the API, and fails loudly if it is refused. */
export async function transfer(t: TestApp, from: TestUser, to: TestUser, amount: number, narration?: string) {
  const res = await t.http
    .post('/api/transactions/send')
    .set(from.auth)
    .send({ fromAccountId: from.account.id, toAccountNumber: to.account.accountNumber, amount, narration });
  if (res.status !== 201) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}
