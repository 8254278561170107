import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pay, type AttemptLog, type ChaosAccount, type Intent } from '../../bank-core/chaos/chaos-client';

const PASSWORD = 'correct horse battery';

async function post(baseUrl: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * A new customer signed up and logged in through `baseUrl`, with `opening` minor units deposited (one ledger
 * event) when it is above 0.
 * @throws Error with the answer when a step is refused.
 */
export async function createCustomer(baseUrl: string, opening: number): Promise<ChaosAccount> {
  const email = `cluster-${randomUUID()}@example.com`;
  const signup = await post(baseUrl, '/api/users/signup', { name: 'Cluster Customer', email, password: PASSWORD });
  const { token } = (await post(baseUrl, '/api/users/login', { email, password: PASSWORD })) as { token: string };
  const account = signup.account as { id: string; accountNumber: string };
  const customer = { userId: signup.id as string, accountId: account.id, accountNumber: account.accountNumber, token };
  if (opening > 0) await deposit(baseUrl, customer, opening);
  return customer;
}

/** Deposits `amount` minor units into `account` (one ledger event). @throws Error with the answer when refused. */
export async function deposit(baseUrl: string, account: ChaosAccount, amount: number): Promise<void> {
  await post(baseUrl, '/api/transactions/deposit', { accountId: account.accountId, amount }, account.token);
}

/** A payment intent with a fresh Idempotency-Key, for chaos-client's `pay` (which retries it until definitive). */
export const intent = (from: ChaosAccount, to: ChaosAccount, amount: number): Intent => ({
  key: randomUUID(),
  from,
  to,
  amount,
  attempts: 0,
  startedAt: Date.now(),
});

/**
 * Makes every payment in `intents`, `concurrency` at a time, each retried with its key until definitive.
 * @returns the attempt log (failures by kind).
 */
export async function payAll(baseUrl: string | (() => string), intents: Intent[], concurrency: number, giveUpMs = 60_000) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const log: AttemptLog = { failures: { network: 0, '503': 0, '409': 0, '429': 0, '500': 0, other: 0 }, successes: [] };
  let next = 0;
  const worker = async () => {
    while (next < intents.length) {
      const item = intents[next++]!;
      item.startedAt = Date.now();
      await pay(typeof baseUrl === 'string' ? baseUrl : baseUrl(), agent, item, log, giveUpMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return log;
}
